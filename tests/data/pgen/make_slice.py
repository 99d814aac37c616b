"""Cut the first N samples of GenoPred's chr22 panel, in both PLINK formats, for tests/test_pgen.py.

Usage: python make_slice.py SRC_DIR [N]   (SRC_DIR holds ref.chr22.{pgen,pvar,psam} and plink2's
conversion ref.chr22.{bed,bim,fam}; see SOURCE.md). Writes ref.22.* here: the .pgen through
pgenlib's PgenWriter from the original's hard calls, the .bed from plink2's .bed with twascli's
writer, the same samples and variants in both.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pgenlib

from twascli.io.plink import read_plink, write_plink

HERE = os.path.dirname(os.path.abspath(__file__))


def main(src: str, n: int = 400) -> None:
    head = []
    with open(os.path.join(src, "ref.chr22.psam")) as handle:
        for i, line in enumerate(handle):
            if i > n:
                break
            head.append(line)
    with open(os.path.join(HERE, "ref.22.psam"), "w") as handle:
        handle.writelines(head)
    with open(os.path.join(src, "ref.chr22.pvar")) as f, open(os.path.join(HERE, "ref.22.pvar"), "w") as g:
        g.write(f.read())
    reader = pgenlib.PgenReader(os.path.join(src, "ref.chr22.pgen").encode(),
                                sample_subset=np.arange(n, dtype=np.uint32))
    p = reader.get_variant_ct()
    calls = np.empty((p, n), dtype=np.int8)
    reader.read_range(0, p, calls)
    reader.close()
    writer = pgenlib.PgenWriter(os.path.join(HERE, "ref.22.pgen").encode(), n, variant_ct=p, nonref_flags=False)
    writer.append_biallelic_batch(calls)
    writer.close()
    bed = read_plink(os.path.join(src, "ref.chr22"))
    write_plink(os.path.join(HERE, "ref.22"), bed.dosage[:n], bed.bim, bed.fam.iloc[:n])


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:3]))
