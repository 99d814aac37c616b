id	nsnps	hsq	hsq.se	hsq.pv	top1.r2	blup.r2	enet.r2	bslmm.r2	lasso.r2	top1.pv	blup.pv	enet.pv	bslmm.pv	lasso.pv
GENE22_003	399	0.234	0.072	2.5e-06	0.214	0.053	0.172	   NA	0.206	1.6e-17	3.6e-05	3.8e-14	     NA	7.1e-17
GENE22_004	418	0.231	0.075	1.3e-05	0.128	0.055	0.076	   NA	0.107	1.1e-10	2.6e-05	7.6e-07	     NA	3.8e-09
GENE22_005	393	0.176	0.066	9.4e-05	0.131	0.074	0.120	   NA	0.115	6.5e-11	9.9e-07	4.3e-10	     NA	9.5e-10
cvna	399	0.234	0.072	0.0e+00	0.214	   NA	0.172	   NA	  NaN	1.6e-17	     NA	3.8e-14	     NA	7.1e-17
