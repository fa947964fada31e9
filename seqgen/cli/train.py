"""``seqgen train``, ``seqgen sample`` and ``seqgen evaluate``: training a model, sampling a generator and
comparing its samples with real sequences."""
from __future__ import annotations

import sys

from seqgen.cli.common import _add_common, _refuse_npz_out, seed_value
from seqgen.errors import SeqgenError


def _add_train(sub) -> None:
    from seqgen.tasks import KINDS

    p = sub.add_parser("train", help="train a generator (vae, gan) or a predictor",
                       description="Train a model on an encoded data set (from 'seqgen encode'). Settings come "
                                   "from the model kind's defaults, then --config, then the options below.")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("--data", required=True, help="encoded data set (.npz)")
    p.add_argument("--out", required=True, help="output folder: model.pt, checkpoint.pt, metrics.csv")
    p.add_argument("--config", help="YAML file of settings (any key of the kind's DEFAULTS in seqgen/settings.py)")
    p.add_argument("--steps", type=int, help="number of training steps")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--max-time", type=float, help="stop after this many minutes, with a usable model (a resumed run "
                                                  "counts the minutes before it; where it stops depends on the "
                                                  "machine's speed, so a time-bound run is not reproducible: "
                                                  "--steps is)")
    p.add_argument("--arch", choices=["conv", "mlp"], help="vae: conv (default) or mlp (the family VAE for "
                                                           "protein alignments)")
    p.add_argument("--checkpoint-every", type=int)
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt if present")
    p.add_argument("--resume-if-unchanged", action="store_true",
                   help="continue from OUT/checkpoint.pt if it was written with the same settings and data, else "
                        "train from scratch (what the workflow does, so an interrupted run picks up where it was)")
    p.add_argument("--compile", action="store_true", help="torch.compile the model")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (none is drawn off a terminal)")
    p.add_argument("--settings", metavar="JSON", help="settings as one JSON mapping (used by the workflow)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override one setting (YAML value), repeatable")
    _add_common(p)


def _run_train(args) -> None:
    from seqgen.settings import user_settings
    from seqgen.tasks import train

    flags = {key: getattr(args, key) for key in ("steps", "batch_size", "max_time", "checkpoint_every", "seed", "arch")
             if getattr(args, key) is not None}
    if args.compile:
        flags["compile"] = True
    if args.no_progress:
        flags["progress"] = False
    user = user_settings(args.config, args.settings, args.set, flags)
    train(args.kind, args.data, args.out, user, args.device, resume=args.resume or
          args.resume_if_unchanged, restart_if_changed=args.resume_if_unchanged, source=args.config or "settings")


def _add_sample(sub) -> None:
    p = sub.add_parser("sample", help="sample sequences from a trained generator (vae, gan)",
                       description="Draw sequences from a generator trained with 'seqgen train vae|gan' and "
                                   "write them as FASTA. The same seed gives the same sequences on the CPU.")
    p.add_argument("--model", required=True,
                   help="model folder (or its model.pt; a checkpoint.pt is read as model.pt would be)")
    p.add_argument("--n", type=int, required=True, help="number of sequences")
    p.add_argument("--out", required=True, help="output FASTA")
    p.add_argument("--prefix", default="sample", help="sequence id prefix (ids: PREFIX_1, PREFIX_2...)")
    _add_common(p)


def _run_sample(args) -> None:
    from seqgen.atomic import check_writable
    from seqgen.device import select_device
    from seqgen.generate import sample_sequences
    from seqgen.io import write_fasta

    if args.n <= 0:
        raise SeqgenError(f"--n must be positive, not {args.n}")
    if args.prefix.split() != [args.prefix] or args.prefix.startswith(">"):  # empty, blank or spaced
        raise SeqgenError(f"--prefix {args.prefix!r}: an id prefix must be one word without spaces (a FASTA id ends "
                          f"at the first space, so every id would read as the same one)")
    _refuse_npz_out(args.out, "FASTA", ".fasta")
    check_writable(args.out)
    seqs, payload = sample_sequences(args.model, args.n, args.seed or 0, select_device(args.device))
    write_fasta(args.out, [f"{args.prefix}_{i + 1}" for i in range(len(seqs))], seqs)
    print(f"sampled {len(seqs)} {payload['alphabet']} sequences of {payload['length']} from the {payload['kind']} "
          f"-> {args.out}", file=sys.stderr)


def _add_evaluate(sub) -> None:
    from seqgen.alphabets import ALPHABETS
    from seqgen.io import FORMATS

    p = sub.add_parser("evaluate", help="compare generated sequences with real ones (JSON)",
                       description="k-mer spectrum JS divergence (with the real-vs-real baseline), GC content, "
                                   "copies and nearest-training distance, diversity and a two-sample classifier "
                                   "AUROC of QUERY (generated) against REFERENCE (held-out real) sequences.")
    p.add_argument("--reference", required=True, help="real held-out sequences (FASTA or .npz, any format "
                                                      "'seqgen encode' reads)")
    p.add_argument("--query", required=True, help="generated sequences")
    p.add_argument("--training", help="the generator's training sequences (copies are counted against them)")
    p.add_argument("--alphabet", choices=list(ALPHABETS), default=None,
                   help="alphabet of non-.npz inputs (default: the reference's, else dna)")
    for role in ("reference", "query", "training"):
        p.add_argument(f"--{role}-format", choices=FORMATS, metavar="FORMAT",
                       help=f"format of --{role} (default: from the extension; one of {', '.join(FORMATS)})")
    p.add_argument("--sequence-column", default="sequence", help="CSV/TSV column holding sequences")
    p.add_argument("--ambiguous", choices=["error", "drop"], default="error",
                   help="records with ambiguity codes in non-.npz inputs: stop with an error, or drop them")
    p.add_argument("--lengths", choices=["error", "pad", "trim"], default="error",
                   help="records of different lengths in non-.npz inputs: stop with an error, pad each file to its "
                        "longest or trim it to its shortest (the files must end up of one length)")
    p.add_argument("--out", required=True, help="output JSON")
    p.add_argument("--seed", type=seed_value, help="random seed (default 0)")


def _read_any(role: str, alphabet, args):
    """The ``--reference``, ``--query`` or ``--training`` (``role``) sequences of ``seqgen evaluate``."""
    from seqgen.data import SequenceSet
    from seqgen.io import detect_format, read_sequences

    path, format = getattr(args, role), getattr(args, f"{role}_format")
    if str(path).endswith(".npz"):
        return SequenceSet.load(path)
    return read_sequences(path, alphabet or "dna", format or detect_format(path, f"--{role}-format"),
                          sequence_column=args.sequence_column, ambiguous=args.ambiguous, lengths=args.lengths,
                          duplicate_ids="keep")


def _run_evaluate(args) -> None:
    from seqgen.atomic import check_writable, nan_to_none, write_json
    from seqgen.metrics import copy_fraction, evaluate, near_copies_note

    check_writable(args.out)
    reference = _read_any("reference", args.alphabet, args)
    alphabet = args.alphabet or reference.alphabet.name
    query = _read_any("query", alphabet, args)
    training = _read_any("training", alphabet, args) if args.training else None
    for name, data in (("reference", reference), ("query", query)):
        if len(data) < 2:
            raise SeqgenError(f"--{name} holds {len(data)} sequence{'' if len(data) == 1 else 's'}; evaluation needs "
                              f"at least 2", getattr(args, name))
    for name, data in (("query", query), ("training", training)):
        if data is not None and (data.alphabet.name, data.length) != (reference.alphabet.name, reference.length):
            raise SeqgenError(f"--{name} holds {data.alphabet.name} sequences of length {data.length}, but --reference "
                              f"{args.reference} {reference.alphabet.name} ones of length {reference.length}",
                              getattr(args, name))
    if training is not None:  # of the reference's length, checked above
        shared = copy_fraction(reference.codes, training.codes)
        if shared > 0.5:
            print(f"note: {shared:.0%} of the --reference sequences are --training sequences: the reference should "
                  f"be held out, or copies of the training data look like real sequences", file=sys.stderr)
    result = nan_to_none(evaluate(reference, query, training, seed=args.seed or 0))
    write_json(args.out, result)  # strict JSON: null, not NaN
    for name, (kept, read) in result.get("gap_free", {}).items():
        print(f"note: the query holds no gap (a family VAE's samples: gaps are missing data to it), so it is compared "
              f"with the {kept} gap-free of the {read} --{name} sequences", file=sys.stderr)
    if similar := near_copies_note(result):
        print(f"note: {similar}", file=sys.stderr)
    js = ", ".join(f"k={k} {v['ratio']:.2f}" for k, v in result["kmer_js"].items() if v["ratio"] is not None) or "n/a"
    auroc = result["classifier_auroc"]
    print(f"k-mer JS ratio to real: {js}; copies {result['copies']['fraction']:.3f}; "
          f"classifier AUROC {'n/a' if auroc is None else f'{auroc:.3f}'} -> {args.out}", file=sys.stderr)
