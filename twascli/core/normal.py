"""Normal distribution function and its inverse, with the same values as scipy.special's ndtr/ndtri.

scipy.special costs 0.1-0.25 s to import, a large part of a short post-process run, so the two
functions post-process needs are evaluated here in numpy, step for step as scipy computes them:
Cephes' rational approximations (S. L. Moshier, Cephes Math Library 2.2, ndtr.c and ndtri.c, as
carried by scipy's xsf), Horner evaluation in the same order, so results are bit-identical
(checked against scipy in tests/test_post_process.py).
"""

from __future__ import annotations

import math

import numpy as np

# erfc(x) ~ exp(-x^2) P(x)/Q(x) for 1 <= x < 8, R(x)/S(x) beyond; erf(x) ~ x T(x^2)/U(x^2) for |x| < 1.
# Q, S, U are monic (their leading 1 left out), as Cephes' p1evl() takes them.
_P = (2.46196981473530512524E-10, 5.64189564831068821977E-1, 7.46321056442269912687E0, 4.86371970985681366614E1,
      1.96520832956077098242E2, 5.26445194995477358631E2, 9.34528527171957607540E2, 1.02755188689515710272E3,
      5.57535335369399327526E2)
_Q = (1.32281951154744992508E1, 8.67072140885989742329E1, 3.54937778887819891062E2, 9.75708501743205489753E2,
      1.82390916687909736289E3, 2.24633760818710981792E3, 1.65666309194161350182E3, 5.57535340817727675546E2)
_R = (5.64189583547755073984E-1, 1.27536670759978104416E0, 5.01905042251180477414E0, 6.16021097993053585195E0,
      7.40974269950448939160E0, 2.97886665372100240670E0)
_S = (2.26052863220117276590E0, 9.39603524938001434673E0, 1.20489539808096656605E1, 1.70814450747565897222E1,
      9.60896809063285878198E0, 3.36907645100081516050E0)
_T = (9.60497373987051638749E0, 9.00260197203842689217E1, 2.23200534594684319226E3, 7.00332514112805075473E3,
      5.55923013010394962768E4)
_U = (3.35617141647503099647E1, 5.21357949780152679795E2, 4.59432382970980127987E3, 2.26290000613890934246E4,
      4.92673942608635921086E4)
_MAXLOG = 7.09782712893383996843E2  # log(DBL_MAX)

# ndtri: w + w^3 P0(w^2)/Q0(w^2) near the centre; tails in z = 1/sqrt(-2 log y), P1/Q1 (z > 1/8), P2/Q2.
_P0 = (-5.99633501014107895267E1, 9.80010754185999661536E1, -5.66762857469070293439E1, 1.39312609387279679503E1,
       -1.23916583867381258016E0)
_Q0 = (1.95448858338141759834E0, 4.67627912898881538453E0, 8.63602421390890590575E1, -2.25462687854119370527E2,
       2.00260212380060660359E2, -8.20372256168333339912E1, 1.59056225126211695515E1, -1.18331621121330003142E0)
_P1 = (4.05544892305962419923E0, 3.15251094599893866154E1, 5.71628192246421288162E1, 4.40805073893200834700E1,
       1.46849561928858024014E1, 2.18663306850790267539E0, -1.40256079171354495875E-1, -3.50424626827848203418E-2,
       -8.57456785154685413611E-4)
_Q1 = (1.57799883256466749731E1, 4.53907635128879210584E1, 4.13172038254672030440E1, 1.50425385692907503408E1,
       2.50464946208309415979E0, -1.42182922854787788574E-1, -3.80806407691578277194E-2, -9.33259480895457427372E-4)
_P2 = (3.23774891776946035970E0, 6.91522889068984211695E0, 3.93881025292474443415E0, 1.33303460815807542389E0,
       2.01485389549179081538E-1, 1.23716634817820021358E-2, 3.01581553508235416007E-4, 2.65806974686737550832E-6,
       6.23974539184983293730E-9)
_Q2 = (6.02427039364742014255E0, 3.67983563856160859403E0, 1.37702099489081330271E0, 2.16236993594496635890E-1,
       1.34204006088543189037E-2, 3.28014464682127739104E-4, 2.89247864745380683936E-6, 6.79019408009981274425E-9)
_EXP_M2 = 0.13533528323661269189  # exp(-2)
_SQRT2PI = 2.50662827463100050242E0


def _horner(x, coef, monic: bool = False):
    """Cephes polevl (MONIC: p1evl, leading coefficient 1 implied), same operation order."""
    acc = x + coef[0] if monic else coef[0]
    for c in coef[1:]:
        acc = acc * x + c
    return acc


def _erf_small(x: np.ndarray) -> np.ndarray:
    """erf for |x| <= 1."""
    z = x * x
    return x * _horner(z, _T) / _horner(z, _U, monic=True)


def _erfc_large(x: np.ndarray) -> np.ndarray:
    """erfc for x >= 1 (0 where it underflows)."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        e = np.exp(-x * x)
        near = x < 8.0
        p = np.where(near, _horner(x, _P), _horner(x, _R))
        q = np.where(near, _horner(x, _Q, monic=True), _horner(x, _S, monic=True))
        y = (e * p) / q
    return np.where(-x * x < -_MAXLOG, 0.0, y)


def ndtr(a: np.ndarray | float) -> np.ndarray:
    """Standard normal CDF, bit-identical to scipy.special.ndtr; NaN in gives NaN out."""
    a = np.asarray(a, dtype=np.float64)
    x = a * 0.70710678118654752440  # M_SQRT1_2
    z = np.abs(x)
    small = z < 1.0
    with np.errstate(invalid="ignore"):
        centre = 0.5 + 0.5 * _erf_small(np.where(small, x, 0.0))
        tail = 0.5 * _erfc_large(np.where(small, 1.0, z))
        tail = np.where(x > 0, 1.0 - tail, tail)
    out = np.where(small, centre, tail)
    return np.where(np.isnan(a), np.nan, out)


def ndtri(y0: float) -> float:
    """Inverse of the standard normal CDF for one probability, bit-identical to scipy.special.ndtri."""
    if y0 == 0.0:
        return -math.inf
    if y0 == 1.0:
        return math.inf
    if not 0.0 < y0 < 1.0:
        return math.nan
    upper = y0 > 1.0 - _EXP_M2
    y = 1.0 - y0 if upper else y0
    if y > _EXP_M2:
        y -= 0.5
        y2 = y * y
        return (y + y * (y2 * _horner(y2, _P0) / _horner(y2, _Q0, monic=True))) * _SQRT2PI
    x = math.sqrt(-2.0 * math.log(y))
    x0 = x - math.log(x) / x
    z = 1.0 / x
    p, q = (_P1, _Q1) if x < 8.0 else (_P2, _Q2)
    x = x0 - z * _horner(z, p) / _horner(z, q, monic=True)
    return x if upper else -x
