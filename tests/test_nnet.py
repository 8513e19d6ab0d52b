from fractions import Fraction as F

import pytest

import polyfold as pf

# A 2-2-1 network. Inputs clipped to [0, 10] x [-1, 1], normalised with means (5, 0)
# and ranges (10, 2); output de-normalised with mean 1/2 and range 4.
NNET = """// a tiny hand-written network
// second comment line
2,2,1,2,
2,2,1,
0,
0.0,-1.0,
10.0,1.0,
5.0,0.0,0.5,
10.0,2.0,4.0,
1.0,-1.0,
0.5,2.0,
0.0,
-0.25,
1.0,1.0,
0.125,
"""


def test_load_nnet_folds_normalisation_exactly(tmp_path):
    path = tmp_path / "tiny.nnet"
    path.write_text(NNET)
    net = pf.load_nnet(path)
    (w1, b1), (w2, b2) = net.exact_weights
    # layer 1 on raw x: W (x - mean) / range + b
    assert w1.tolist() == [[F(1, 10), F(-1, 2)], [F(1, 20), F(1)]]
    assert b1.tolist() == [F(-1, 2), F(-1, 4) - F(1, 4)]
    # output: (h1 + h2 + 1/8) * 4 + 1/2
    assert w2.tolist() == [[4, 4]] and b2.tolist() == [F(1)]
    assert net.provenance["verified"] and net.provenance["domain"][1] == [10, 1]
    # a point by hand: x = (7, 1/2): normalised (1/5, 1/4); h = relu(1/5 - 1/4) = 0,
    # relu(1/10 + 1/2 - 1/4) = 7/20; output (7/20 + 1/8) * 4 + 1/2 = 12/5
    assert net.forward([7, F(1, 2)], exact=True)[0] == F(12, 5)


@pytest.mark.parametrize(
    "text,match",
    [
        (NNET.replace("\n2,2,1,\n", "\n3,2,1,\n"), "do not match"),
        (NNET.replace("\n2,2,1,\n", "\n2,3,1,\n"), "expected 2 values"),
        ("\n".join(NNET.splitlines()[:-3]), "ends early"),
        (NNET.replace("0.5,2.0,", "0.5,abc,"), "line 11"),
        (NNET.replace("10.0,2.0,4.0,", "10.0,0,4.0,"), "range is zero"),
        (NNET + "1.0,\n", "after the last bias"),
        ("1,2,1,2,\n2,1,\n", "at least one hidden layer"),
    ],
)
def test_malformed_nnet_files(tmp_path, text, match):
    path = tmp_path / "bad.nnet"
    path.write_text(text)
    with pytest.raises(pf.InvalidInputError, match=match):
        pf.load_nnet(path)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(pf.InvalidInputError, match="cannot read"):
        pf.load_nnet(tmp_path / "none.nnet")
    (tmp_path / "bin.nnet").write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(pf.InvalidInputError):
        pf.load_nnet(tmp_path / "bin.nnet")
