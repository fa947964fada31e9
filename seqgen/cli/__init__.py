"""The ``seqgen`` command line: thin subcommands over the package.

Every subcommand is a pair of functions, ``_add_NAME(subparsers)`` that declares
its arguments and ``_run_NAME(args)`` that calls the package. Errors of the
tool's own kind (:class:`SeqgenError`) print one line and exit with status 1;
``--debug`` shows the full traceback.

The modules, one per command or group of commands, each importing the heavy modules (PyTorch, pandas) only inside
its functions, so that ``seqgen --help`` does not wait for them:

- :mod:`seqgen.cli.common`: what several commands share (``--seed``, ``--device``, the ``.npz`` refusal);
- :mod:`seqgen.cli.encode`: ``encode``, ``simulate`` and ``split``;
- :mod:`seqgen.cli.train`: ``train``, ``sample`` and ``evaluate``;
- :mod:`seqgen.cli.predict`: ``predict``;
- :mod:`seqgen.cli.design`: ``design``;
- :mod:`seqgen.cli.motifs`: ``motifs`` and its helpers;
- :mod:`seqgen.cli.report`: ``report``;
- :mod:`seqgen.cli.mutations`: ``score-mutants``.

This module holds :data:`COMMANDS`, :func:`build_parser`, the check of ``--out`` against the inputs, the handling of
SIGTERM and :func:`main` (the ``seqgen`` entry point; ``python -m seqgen.cli`` runs it too). A test that replaces a
function must replace it in the module that looks it up: ``seqgen.cli.build_parser`` for :func:`main`.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from seqgen import __version__
from seqgen.cli.common import MAX_SEED, seed_value
from seqgen.cli.design import _add_design, _run_design
from seqgen.cli.encode import _add_encode, _add_simulate, _add_split, _run_encode, _run_simulate, _run_split
from seqgen.cli.motifs import _add_motifs, _run_motifs
from seqgen.cli.mutations import _add_score_mutants, _run_score_mutants
from seqgen.cli.predict import _add_predict, _run_predict
from seqgen.cli.report import _add_report, _run_report
from seqgen.cli.train import _add_evaluate, _add_sample, _add_train, _run_evaluate, _run_sample, _run_train
from seqgen.errors import SeqgenError

# the names used outside this module (the tests import the private ones)
__all__ = ["COMMANDS", "MAX_SEED", "Terminated", "build_parser", "main", "seed_value"]


COMMANDS = {"encode": (_add_encode, _run_encode), "simulate": (_add_simulate, _run_simulate),
            "train": (_add_train, _run_train), "sample": (_add_sample, _run_sample),
            "split": (_add_split, _run_split), "evaluate": (_add_evaluate, _run_evaluate),
            "predict": (_add_predict, _run_predict),
            "design": (_add_design, _run_design), "motifs": (_add_motifs, _run_motifs),
            "report": (_add_report, _run_report), "score-mutants": (_add_score_mutants, _run_score_mutants)}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of command ``only`` alone: some commands' options come from modules that
    import torch (2-3 s), which a command that does not need them should not wait for."""
    parser = argparse.ArgumentParser(prog="seqgen", description="Design DNA and protein sequences with deep "
                                                                "generative models.")
    parser.add_argument("--version", action="version", version=f"seqgen {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (add, _) in COMMANDS.items():
        if only is None or name == only:
            add(sub)
    for command in sub.choices.values():
        _show_defaults(command)
    return parser


def _show_defaults(parser: argparse.ArgumentParser) -> None:
    """Every option with a default value shows it in its help, unless its help already speaks of the default or
    the option is a flag (``--no-mutations`` stores False when given: its default True says nothing to a user)."""
    for action in parser._actions:
        default = action.default
        if not action.option_strings or default is None or default is False or default == argparse.SUPPRESS \
                or default == [] or action.nargs == 0:
            continue
        text = action.help or ""
        if "default" not in text.lower():
            action.help = f"{text} (default: %(default)s)".lstrip()


#: options naming files or model folders a command reads, which its --out must not overwrite
INPUT_OPTIONS = ("input", "data", "model", "predictor", "generator", "avoid", "reference", "query", "training",
                 "mutants", "background", "config")


def _check_out_is_not_an_input(args) -> None:
    """Refuse an --out that is one of the files the command reads (a model folder's model.pt and checkpoint.pt
    included): the output would replace the input once the command succeeds."""
    import os
    from pathlib import Path

    out = getattr(args, "out", None)
    # -: standard output (predict); train's and motifs' --out is a folder, where a file is refused already
    if not out or out == "-" or args.command in ("train", "motifs"):
        return
    target = Path(out)
    for name in INPUT_OPTIONS:
        values = getattr(args, name, None)
        for value in values if isinstance(values, list) else [values]:
            if not isinstance(value, str) or not value:
                continue
            path = Path(value)
            candidates = [path, path / "model.pt", path / "checkpoint.pt"] if path.is_dir() else [path]
            for candidate in candidates:
                same = candidate.exists() and target.exists() and os.path.samefile(candidate, target)
                if same or candidate.resolve() == target.resolve():
                    raise SeqgenError(f"--out is the --{name.replace('_', '-')} file {str(candidate)!r} that this "
                                      f"command reads: it would be overwritten; write the output elsewhere", out)


class Terminated(BaseException):
    """SIGTERM (a scheduler's cancel or time limit, ``kill``): raised so that every ``with atomic_path`` block removes
    its temporary file on the way out, as on Ctrl-C."""


def _terminate(signum, frame):
    raise Terminated()


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that its closed pipe raises nothing more when Python flushes it at
    exit (nothing to do where it is no file, as under pytest's capture)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if not a.startswith("-")), None)  # no top-level option takes a value
    name = f"seqgen {command}" if command in COMMANDS else "seqgen"
    debug = "--debug" in argv  # before or after the command
    previous = None
    if threading.current_thread() is threading.main_thread():  # signal handlers can only be set there
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:  # from the start: building the parser imports numpy (seconds on a cold disk), a time to press Ctrl-C
        parser = build_parser(command if command in COMMANDS else None)
        args = parser.parse_args([a for a in argv if a != "--debug"])
        args.debug = debug
        _check_out_is_not_an_input(args)
        COMMANDS[args.command][1](args)
    except SeqgenError as exc:
        if debug:
            raise
        print(f"{name}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print(f"{name}: terminated (SIGTERM)", file=sys.stderr)
        return 143
    except BrokenPipeError:  # --out - read by a command that stopped early (| head): quiet, as a shell tool is
        _silence_stdout()
        return 141
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0
