"""The design settings are declared once (seqgen.settings.DESIGN_OPTIONS): `seqgen design`'s options,
DesignSettings' defaults and ranges, and which methods use each agree with it (the workflow's schema:
tests/test_workflow_config.py)."""
import dataclasses
from types import SimpleNamespace

import pytest

from seqgen.cli import build_parser
from seqgen.design.command import _avoid_objective, _check_options, _score_objective, _settings
from seqgen.design.run import DesignSettings
from seqgen.errors import SeqgenError
from seqgen.settings import (DESIGN_ANNEALING, DESIGN_METHOD_OPTIONS, DESIGN_METHODS, DESIGN_OPTIONS, NOT_NEGATIVE,
                             POSITIVE, ignored_design_options)

#: the settings DesignSettings names otherwise: option -> (field, the field's value for the option's)
RENAMED = {"freeze_offset": ("learn_offset", lambda frozen: not frozen)}


def design_args(*words):
    return build_parser("design").parse_args(["design", "--out", "-", *words])


def field_of(name):
    """The field of DesignSettings that takes setting ``name``, and its value for the setting's."""
    return RENAMED.get(name, (name, lambda value: value))


def test_each_setting_is_a_field_of_design_settings_with_the_same_default_and_type():
    fields = {f.name: f for f in dataclasses.fields(DesignSettings)}
    for option in DESIGN_OPTIONS:
        field, value_of = field_of(option.name)
        assert field in fields, option.name
        assert fields[field].default == value_of(option.default), option.name
        assert fields[field].type == type(option.default).__name__, option.name


def test_a_value_of_each_setting_on_the_command_line_reaches_design_settings():
    for option in DESIGN_OPTIONS:
        if isinstance(option.default, bool):
            words, value = [option.flag], True
        else:
            value = option.default + (1 if isinstance(option.default, int) else 0.25)
            words = [option.flag, str(value)]
        field, value_of = field_of(option.name)
        assert getattr(_settings(design_args(*words)), field) == value_of(value), option.name


def test_the_command_line_defaults_are_the_table_s():
    args = design_args()
    for option in DESIGN_OPTIONS:
        assert getattr(args, option.name) == option.default and type(getattr(args, option.name)) is \
            type(option.default), option.name
    assert _settings(args) == DesignSettings()  # the settings of a plain `seqgen design`: DesignSettings' defaults


@pytest.mark.parametrize("option", [o for o in DESIGN_OPTIONS if o.bound], ids=lambda o: o.name)
def test_design_settings_refuse_a_setting_out_of_its_range(option):
    field, _ = field_of(option.name)
    edge = {NOT_NEGATIVE: 0, POSITIVE: 1 if isinstance(option.default, int) else 1e-6}[option.bound]
    DesignSettings(**{field: type(option.default)(edge)})  # accepted
    outside = -1 if option.bound == NOT_NEGATIVE else 0
    with pytest.raises(SeqgenError, match=f"^{option.name} must"):
        DesignSettings(**{field: type(option.default)(outside)})


def test_which_methods_use_which_settings():
    for option in DESIGN_OPTIONS:
        assert option.methods and set(option.methods) <= set(DESIGN_METHODS), option.name
        assert not option.annealing or option.methods == ("anneal",), option.name
        assert option.default is not True, option.name  # a flag is off by default
        for method in DESIGN_METHODS:
            for polish in (False, True):
                used = method in option.methods or (option.annealing and polish)
                assert ignored_design_options(method, [option.name], polish) == ([] if used else [option.name])
    assert set(DESIGN_METHOD_OPTIONS) | set(DESIGN_ANNEALING) == \
        {o.name for o in DESIGN_OPTIONS if o.methods != DESIGN_METHODS}


class ScaledPredictor:
    """A stand-in for a loaded predictor: the model's scale is 2 x the label's + 1."""

    length = 5
    model = SimpleNamespace(forward_bytes=lambda length: 7 * length)

    def to_model_scale(self, value, what):
        return 2 * value + 1

    def score(self, x):
        return x.sum((1, 2))

    def score_of_label_mean(self, x):
        return x.sum((1, 2)) + 100


def checked(*words):
    args = design_args("--predictor", "p", *words)
    _check_options(args)
    return args


def test_the_objectives_take_direction_weight_level_scorer_and_spread_from_the_options():
    model = ScaledPredictor()
    fields = ("direction", "weight", "target", "conservative", "row_bytes")
    main = _score_objective(model, checked("--conservative", "0.5"))
    assert [getattr(main, k) for k in fields] == ["max", 1.0, None, 0.5, 35] and main.scorer == model.score
    main = _score_objective(model, checked("--direction", "min"))
    assert [getattr(main, k) for k in fields] == ["min", 1.0, None, 0.0, 35] and main.scorer == model.score
    main = _score_objective(model, checked("--target", "3"))  # a target holds for the label's mean: 2 x 3 + 1
    assert [getattr(main, k) for k in fields] == ["target", 1.0, 7.0, 0.0, 35]
    assert main.scorer == model.score_of_label_mean
    avoid = _avoid_objective("avoid1", model, checked("--avoid", "q", "--avoid-weight", "0.25", "--conservative", "2"))
    assert [getattr(avoid, k) for k in fields] == ["min", 0.25, None, 2.0, 35] and avoid.scorer == model.score
    avoid = _avoid_objective("avoid1", model, checked("--avoid", "q", "--avoid-below", "4"))
    assert [getattr(avoid, k) for k in fields] == ["below", 1.0, 9.0, 0.0, 35]
    assert avoid.scorer == model.score_of_label_mean and avoid.name == "avoid1"


def test_direction_target_needs_a_target_and_a_target_needs_no_direction():
    assert checked("--target", "2").direction == "target" and checked("--direction", "target", "--target", "2")
    with pytest.raises(SeqgenError, match="--direction target needs --target VALUE"):
        checked("--direction", "target")
    with pytest.raises(SeqgenError, match="cannot be combined with --direction min"):
        checked("--direction", "min", "--target", "2")
    with pytest.raises(SeqgenError, match="--lr must be positive, not 0.0"):
        checked("--lr", "0")


def test_the_notes_name_each_option_this_design_ignores(capsys):
    checked("--method", "softmax", "--samples", "4", "--proposals", "3", "--naturalness-samples", "3",
            "--avoid-weight", "2", "--generator", "g")
    assert capsys.readouterr().err.splitlines() == [
        "note: --samples does not apply to this design (--method softmax) and is ignored",
        "note: --proposals does not apply to this design (--method softmax without --polish) and is ignored",
        "note: --naturalness-samples does not apply to this design (--method softmax) and is ignored",
        "note: --avoid-weight does not apply to this design (--method softmax) and is ignored",
        "note: --generator does not apply to this design (--method softmax) and is ignored"]
    checked("--naturalness", "1", "--generator", "g", "--naturalness-samples", "3", "--avoid", "q",
            "--avoid-weight", "2")
    assert capsys.readouterr().err == ""  # each of them used


def test_a_note_names_an_option_that_acts_only_with_another_left_unset(capsys):
    """--guide-temperature without --guided, and --plateau-window without --plateau, changed nothing silently."""
    checked("--method", "anneal", "--guide-temperature", "0", "--plateau-window", "10")
    assert capsys.readouterr().err.splitlines() == [
        "note: --guide-temperature acts only with --guided and is ignored",
        "note: --plateau-window acts only with --plateau and is ignored"]
    checked("--method", "anneal", "--guided", "--guide-temperature", "0", "--plateau", "0.1", "--plateau-window", "10")
    assert capsys.readouterr().err == ""
    checked("--method", "latent", "--generator", "g", "--guide-temperature", "0")  # noted once, as not latent's
    assert capsys.readouterr().err.splitlines() == [
        "note: --guide-temperature does not apply to this design (--method latent without --polish) and is ignored"]


@pytest.mark.parametrize("words", [["--target", "nan"], ["--target", "inf"], ["--conservative", "nan"],
                                   ["--avoid", "q", "--avoid-weight", "inf"], ["--avoid", "q", "--avoid-below", "nan"],
                                   ["--naturalness", "nan"], ["--diversity", "inf"], ["--entropy", "nan"],
                                   ["--offset-limit", "inf"], ["--gc-min", "nan"]])
def test_a_number_option_given_as_nan_or_inf_is_refused(words):
    """float() reads 'nan' and 'inf': such a weight or target made every design's utility nan, or crashed in
    torch.multinomial, instead of a one-line error."""
    with pytest.raises(SeqgenError, match=f"^{words[-2]} must be a finite number, not"):
        checked(*words)
