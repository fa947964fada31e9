"""The ``seqgen`` command line: thin subcommands over the package.

Every subcommand is a pair of functions, ``_add_NAME(subparsers)`` that declares
its arguments and ``_run_NAME(args)`` that calls the package. Errors of the
tool's own kind (:class:`SeqgenError`) print one line and exit with status 1;
``--debug`` shows the full traceback.
"""
from __future__ import annotations

import argparse
import sys

from seqgen import __version__
from seqgen.errors import SeqgenError


def _add_encode(sub) -> None:
    from seqgen.alphabets import ALPHABETS
    from seqgen.io import DUPLICATE_POLICIES, FORMATS, LENGTH_POLICIES

    p = sub.add_parser("encode", help="read a sequence file and store it encoded as .npz",
                       description="Read FASTA/FASTQ/CSV/TSV/PBM/A2M (plain or gzip), validate it and write "
                                   "(N, L) uint8 codes, ids and labels to an .npz file.")
    p.add_argument("input", help="sequence file")
    p.add_argument("--alphabet", choices=list(ALPHABETS), default="dna")
    p.add_argument("--format", choices=FORMATS, help="input format (default: from the extension)")
    p.add_argument("--out", required=True, help="output .npz file")
    p.add_argument("--sequence-column", default="sequence", help="CSV/TSV column holding sequences")
    p.add_argument("--label-column", action="append", default=[], help="CSV/TSV label column (repeatable)")
    p.add_argument("--id-column", help="CSV/TSV column holding ids (default: 'id' if present, else row numbers)")
    p.add_argument("--ambiguous", choices=["error", "drop"], default="error",
                   help="records with ambiguity codes (N, X, IUPAC): stop with an error, or drop them")
    p.add_argument("--lengths", choices=LENGTH_POLICIES, default="error",
                   help="records of different lengths: stop with an error, pad to the longest, or trim to the "
                        "shortest (or to --length)")
    p.add_argument("--length", type=int, help="fixed length L to pad or trim to")
    p.add_argument("--duplicate-ids", choices=DUPLICATE_POLICIES, default="error")


def _run_encode(args) -> None:
    from seqgen.io import read_sequences

    data = read_sequences(args.input, args.alphabet, args.format, args.sequence_column, args.label_column,
                          args.id_column, args.ambiguous, args.lengths, args.length, args.duplicate_ids)
    data.save(args.out)
    dropped = data.meta.get("n_dropped", 0)
    labels = f", labels: {', '.join(data.label_names)}" if data.label_names else ""
    print(f"encoded {len(data)} x {data.length} {data.alphabet.name} sequences{labels}"
          f"{f' ({dropped} dropped)' if dropped else ''} -> {args.out}", file=sys.stderr)


def _add_simulate(sub) -> None:
    p = sub.add_parser("simulate", help="simulate a PBM-like data set from a JASPAR motif (offline)",
                       description="Random probes scored by an occupancy model of a real JASPAR motif "
                                   "(see seqgen.simulate). Writes a TSV with id, sequence, signal.")
    p.add_argument("--motif", default="MA0472.2", help="JASPAR matrix id (default: MA0472.2, EGR2)")
    p.add_argument("--n", type=int, default=5000, help="number of probes")
    p.add_argument("--length", type=int, default=35, help="probe length")
    p.add_argument("--noise", type=float, default=0.15, help="lognormal noise sigma")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jaspar-release", help="pyjaspar release, e.g. JASPAR2024 (default: the newest)")
    p.add_argument("--out", required=True, help="output .tsv")


def _run_simulate(args) -> None:
    from seqgen.simulate import simulate_pbm, write_table

    table, info = simulate_pbm(args.motif, args.n, args.length, args.seed, args.noise,
                               release=args.jaspar_release)
    write_table(table, args.out)
    print(f"simulated {args.n} probes of {args.length} nt for {info['motif_name']} ({args.motif}) -> {args.out}",
          file=sys.stderr)


def _add_common(p, seed=True) -> None:
    """Options shared by the commands that run a model."""
    if seed:
        p.add_argument("--seed", type=int, help="random seed (default 0)")
    p.add_argument("--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu or cuda[:N]")


def _add_train(sub) -> None:
    from seqgen.tasks import KINDS

    p = sub.add_parser("train", help="train a generator (vae, gan) or a predictor",
                       description="Train a model on an encoded data set (from 'seqgen encode'). Settings come "
                                   "from the model kind's defaults, then --config, then the options below.")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("--data", required=True, help="encoded data set (.npz)")
    p.add_argument("--out", required=True, help="output folder: model.pt, checkpoint.pt, metrics.csv")
    p.add_argument("--config", help="YAML file of settings (see the kind's DEFAULTS)")
    p.add_argument("--steps", type=int, help="number of training steps")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--max-time", type=float, help="stop after this many minutes, with a usable model")
    p.add_argument("--checkpoint-every", type=int)
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt if present")
    p.add_argument("--compile", action="store_true", help="torch.compile the model")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override one setting (YAML value), repeatable")
    _add_common(p)


def _run_train(args) -> None:
    import yaml

    from seqgen.data import SequenceSet
    from seqgen.device import select_device
    from seqgen.tasks import load_config_file, merge_config, recipe
    from seqgen.training import Trainer

    user = load_config_file(args.config) if args.config else {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            raise SeqgenError(f"--set takes KEY=VALUE, not {item!r}")
        user[key.strip()] = yaml.safe_load(value)
    for key in ("steps", "batch_size", "max_time", "checkpoint_every", "seed"):
        if getattr(args, key) is not None:
            user[key] = getattr(args, key)
    if args.compile:
        user["compile"] = True
    if args.no_progress:
        user["progress"] = False
    config, settings = merge_config(args.kind, user, source=args.config or "settings")
    data = SequenceSet.load(args.data)
    device = select_device(args.device)
    task, device_data = recipe(args.kind).make_task(config, data, device)
    trainer = Trainer(task, settings, args.out, data.alphabet.name, data.length,
                      model_extra=getattr(task, "model_extra", None))
    result = trainer.fit(device, resume=args.resume)
    summary = ", ".join(f"{k} {v:.4g}" for k, v in result.last_metrics.items())
    print(f"trained {args.kind} for {result.steps} steps ({result.stopped}, {result.seconds:.0f} s on {device}): "
          f"{summary} -> {args.out}", file=sys.stderr)


def _add_sample(sub) -> None:
    p = sub.add_parser("sample", help="sample sequences from a trained generator (vae, gan)",
                       description="Draw sequences from a generator trained with 'seqgen train vae|gan' and "
                                   "write them as FASTA. The same seed gives the same sequences on the CPU.")
    p.add_argument("--model", required=True, help="model folder (or its model.pt)")
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
    check_writable(args.out)
    seqs, payload = sample_sequences(args.model, args.n, args.seed or 0, select_device(args.device))
    write_fasta(args.out, [f"{args.prefix}_{i + 1}" for i in range(len(seqs))], seqs)
    print(f"sampled {len(seqs)} {payload['alphabet']} sequences of {payload['length']} from the {payload['kind']} "
          f"-> {args.out}", file=sys.stderr)


def _add_evaluate(sub) -> None:
    p = sub.add_parser("evaluate", help="compare generated sequences with real ones (JSON)",
                       description="k-mer spectrum JS divergence (with the real-vs-real baseline), GC content, "
                                   "copies and nearest-training distance, diversity and a two-sample classifier "
                                   "AUROC of QUERY (generated) against REFERENCE (held-out real) sequences.")
    p.add_argument("--reference", required=True, help="real held-out sequences (FASTA or .npz, any format "
                                                      "'seqgen encode' reads)")
    p.add_argument("--query", required=True, help="generated sequences")
    p.add_argument("--training", help="the generator's training sequences (copies are counted against them)")
    p.add_argument("--alphabet", default=None, help="alphabet of non-.npz inputs (default: dna)")
    p.add_argument("--out", required=True, help="output JSON")
    p.add_argument("--seed", type=int, help="random seed (default 0)")


def _read_any(path, alphabet):
    from seqgen.data import SequenceSet
    from seqgen.io import read_sequences

    if str(path).endswith(".npz"):
        return SequenceSet.load(path)
    return read_sequences(path, alphabet or "dna", duplicate_ids="keep")


def _run_evaluate(args) -> None:
    import json

    from seqgen.atomic import check_writable, write_text
    from seqgen.metrics import evaluate

    check_writable(args.out)
    reference = _read_any(args.reference, args.alphabet)
    alphabet = args.alphabet or reference.alphabet.name
    query = _read_any(args.query, alphabet)
    training = _read_any(args.training, alphabet) if args.training else None
    result = evaluate(reference, query, training, seed=args.seed or 0)
    write_text(args.out, json.dumps(result, indent=2) + "\n")
    js = ", ".join(f"k={k} {v['ratio']:.2f}" for k, v in result["kmer_js"].items() if v["ratio"] is not None)
    print(f"k-mer JS ratio to real: {js}; copies {result['copies']['fraction']:.3f}; "
          f"classifier AUROC {result['classifier_auroc']:.3f} -> {args.out}", file=sys.stderr)


COMMANDS = {"encode": (_add_encode, _run_encode), "simulate": (_add_simulate, _run_simulate),
            "train": (_add_train, _run_train), "sample": (_add_sample, _run_sample),
            "evaluate": (_add_evaluate, _run_evaluate)}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seqgen", description="Design DNA and protein sequences with deep "
                                                                "generative models.")
    parser.add_argument("--version", action="version", version=f"seqgen {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add, _ in COMMANDS.values():
        add(sub)
    return parser


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        COMMANDS[args.command][1](args)
    except SeqgenError as exc:
        if args.debug:
            raise
        print(f"seqgen {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"seqgen {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
