"""`twascli hub`: a static, browsable TWAS hub site built from assoc-test and post-process outputs.

`data` reads the trait table, the weights lists/profiles and each trait's FUSION result files;
`pages` renders HTML; `build` ties them together with an incremental manifest.
"""
