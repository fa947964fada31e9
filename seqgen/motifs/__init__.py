"""Motifs: PWMs, scanning, discovery, Tomtom and FIMO (memelite), MEME files, the `seqgen motifs` step.

A motif is a position probability matrix ``pwm`` of shape ``(A, W)`` (columns
sum to 1) over an alphabet. Motifs come from three places:

- :func:`discover_motifs`: enriched k-mer seeds in a foreground set against a
  background, refined to PWMs by a few rounds of site selection at the score
  threshold that best separates foreground from background (a STREME-like
  zero-or-one-site-per-sequence scheme, both strands for DNA);
- :mod:`seqgen.interpret`: a predictor's first-layer filters and its
  attributions (gradient x input, in-silico mutagenesis), cut into seqlets and
  clustered;
- :func:`seqgen.jaspar.jaspar_motifs`: the JASPAR database shipped offline by ``pyjaspar``.

Comparison with JASPAR uses memelite's Tomtom, site scanning its FIMO. The modules, each importing only those
above it:

- :mod:`seqgen.motifs.pwm`: :class:`Motif` and the PWM maths (counts to probabilities, information content,
  trimming, log-odds, letter frequencies);
- :mod:`seqgen.motifs.windows`: the fast window scoring engine (tables of letter groups, every window's score,
  each sequence's best site, site letter counts);
- :mod:`seqgen.motifs.discovery`: k-mer seeded discovery (k-mer presence, enrichment, refinement, masking) and
  the foreground and background a search compares;
- :mod:`seqgen.motifs.matching`: Tomtom against JASPAR and the rules that name a match;
- :mod:`seqgen.motifs.sites`: FIMO scanning (exact score distributions for proteins);
- :mod:`seqgen.motifs.files`: MEME files, a motif analysis's folder (:func:`write_results`), :func:`load_input`.

The names used outside the package are imported here: ``from seqgen.motifs import scan, Motif`` works. A test
that replaces a function must replace it in the module that calls it (``seqgen.motifs.discovery.refine``).
"""
from __future__ import annotations

from seqgen.motifs.discovery import (SHUFFLED_COPIES, discover_motifs, enrichment_log10p, foreground_and_background,
                                     kmer_presence, most_enriched, one_valued_label, seed_length,
                                     shared_sequence_note, site_statistics, top_and_rest)
from seqgen.motifs.files import (load_input, log10_evalue, log10_text, read_meme, versions, write_meme,
                                 write_results)
from seqgen.motifs.matching import (MATCH_Q, MIN_MATCH_BITS, ORDER_COPIES, ORDER_P, TOMTOM_COLUMNS, match_strength,
                                    match_verdict, order_p_values, significant, tomtom)
from seqgen.motifs.pwm import Motif, counts_to_pwm, information_content, letter_frequencies, log_odds, trim
from seqgen.motifs.sites import best_site_p, number_sites, scan, score_tail, unreachable_note
from seqgen.motifs.windows import best_sites, group_size, letter_groups, window_scores
from seqgen.settings import SITE_P

__all__ = [
    "MATCH_Q", "MIN_MATCH_BITS", "ORDER_COPIES", "ORDER_P", "SHUFFLED_COPIES", "SITE_P", "TOMTOM_COLUMNS", "Motif",
    "best_site_p", "best_sites", "counts_to_pwm", "discover_motifs", "enrichment_log10p", "foreground_and_background",
    "group_size", "information_content", "kmer_presence", "letter_frequencies", "letter_groups", "load_input",
    "log10_evalue", "log10_text", "log_odds", "match_strength", "match_verdict", "most_enriched", "number_sites",
    "one_valued_label", "order_p_values", "read_meme", "scan", "score_tail", "seed_length", "shared_sequence_note",
    "significant", "site_statistics", "tomtom", "top_and_rest", "trim", "unreachable_note", "versions",
    "window_scores", "write_meme", "write_results",
]
