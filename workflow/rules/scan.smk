# Scanning: a data set's `scan` sequences, longer than its own, scored window by window by its predictor, each
# one's best window beside dinucleotide shuffles of it (seqgen predict --scan --shuffles). A simulated data set's may
# be simulated too: random sequences, a site of its motif planted in some (seqgen simulate --planted).


rule simulate_scan:
    output:
        "results/{dataset}/scan/input.fasta",
    log:
        "results/{dataset}/logs/simulate_scan.log",
    conda:
        "../envs/seqgen.yaml"
    params:
        options=simulated_scan_options,
    shell:
        "seqgen simulate {params.options} --out {output:q} 2> {log:q}"


rule scan:
    input:
        model="results/{dataset}/predictor/model.pt",
        sequences=scan_file,
        genome=scan_genome,
    output:
        best=report(
            "results/{dataset}/scan/best.tsv",
            category="Scan",
            subcategory="{dataset}",
            caption="../report/scan.rst",
        ),
        windows="results/{dataset}/scan/windows.tsv",
    log:
        "results/{dataset}/logs/scan.log",
    benchmark:
        "results/{dataset}/benchmarks/scan.tsv"
    conda:
        "../envs/seqgen.yaml"
    threads: 2
    resources:
        **gpu_resources(),
    params:
        trained=trained_settings(lambda w: [f"results/{w.dataset}/predictor/model.pt"]),
        options=scan_options,
        device=device(),
        seed=config["seed"],
    shell:
        "seqgen predict --model {input.model:q} --input {input.sequences:q} --scan {params.options} "
        "--seed {params.seed} --device {params.device} --no-progress --out {output.best:q} "
        "--windows {output.windows:q} 2> {log:q}"
