"""How often each float route is wrong or flagged on the degenerate integer family.

    python benchmarks/count_float_errors.py [--networks 1000]

The family of tests/test_certwalk.py (small-integer weights, half-integer
points, 10 segments per network): the plain float walk (``method="float"``)
against the certified float walk, both compared with the rational walk.
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import numpy as np

import polyfold as pf

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests"))
from test_certwalk import _family, combinatorial


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--networks", type=int, default=1000)
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    n = plain_wrong = plain_flagged = silent = cert_wrong = cert_flagged = repaired = 0
    for _ in range(args.networks):
        net, x1, x2 = _family(rng, "integer")
        ref = pf.walk_many(net, x1, x2, method="rational")
        plain = pf.walk_many(net, x1, x2, exact=False, method="float")
        cert = pf.walk_many(net, x1, x2, exact=False)
        for r, p, c in zip(ref, plain, cert):
            n += 1
            wrong = combinatorial(p) != combinatorial(r)
            plain_wrong += wrong
            plain_flagged += bool(p.undecided)
            silent += wrong and not p.undecided
            cert_wrong += combinatorial(c) != combinatorial(r)
            cert_flagged += not c.certified
        repaired += sum(c.repaired for c in cert)
    print(
        f"{n} segments. plain float walk: {plain_wrong} wrong, {plain_flagged} flagged undecided,"
        f" {silent} wrong and not flagged (never certified). certified float walk:"
        f" {cert_wrong} wrong, {cert_flagged} not certified; {repaired} knots repaired exactly."
    )


if __name__ == "__main__":
    main()
