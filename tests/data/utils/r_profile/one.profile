id	nsnps	hsq	hsq.se	hsq.pv	top1.r2	blup.r2	enet.r2	bslmm.r2	lasso.r2	top1.pv	blup.pv	enet.pv	bslmm.pv	lasso.pv
GENE22_001	400	0.184	0.059	1.2e-07	0.114	0.058	0.120	   NA	0.150	2.2e-12	6.5e-07	6.0e-13	     NA	5.0e-16
