"""The design settings are declared once (seqgen.settings.DESIGN_OPTIONS): `seqgen design`'s options,
DesignSettings' defaults and ranges, and which methods use each agree with it (the workflow's schema:
tests/test_workflow_config.py)."""
import dataclasses

import pytest

from seqgen.cli import build_parser
from seqgen.design.command import _settings
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
