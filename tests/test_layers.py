from fractions import Fraction

import pytest

from emolens.models import render_paper_chat, resolve_layers


@pytest.mark.parametrize(
    "spec,expected",
    [("all", list(range(30))), (None, list(range(30))), (0, [0]), (-1, [29]), ("-2", [28]), ("2/3", [19]),
     (Fraction(2, 3), [19]), (0.5, [14]), (1.0, [29]), ("3:6", [3, 4, 5]), ([5, -1, 5, "1/2"], [5, 14, 29])],
)
def test_resolve_layers(spec, expected):
    assert resolve_layers(spec, 30) == expected


@pytest.mark.parametrize("spec,match", [(30, "out of range"), (-31, "out of range"), (1.5, "must lie in"), ("abc", "cannot read"), ([], "empty")])
def test_resolve_layers_errors(spec, match):
    with pytest.raises(ValueError, match=match):
        resolve_layers(spec, 30)


def test_paper_chat_marks():
    p = render_paper_chat([{"role": "user", "content": "My dog died."}])
    assert p.text == "Human: My dog died.\n\nAssistant:"
    assert p.text[p.marks["assistant"]] == ":"
    assert p.text[p.marks["user_end"]] == "."
    multi = render_paper_chat([{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}])
    assert multi.text == "Human: a\n\nAssistant: b\n\nHuman: c\n\nAssistant:"
    with pytest.raises(ValueError, match="unknown chat role"):
        render_paper_chat([{"role": "narrator", "content": "x"}])
