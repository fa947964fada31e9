# Design with each configured method: maximize the predictor of the label and/or the VAE's ELBO
# (naturalness; the only objective of a data set without a label); latent design goes through a generator.


rule design:
    input:
        unpack(design_inputs),
    output:
        fasta="results/{dataset}/design/{method}/designs.fasta",
        table=report(
            "results/{dataset}/design/{method}/designs.tsv",
            category="Designs",
            subcategory="{dataset}",
            caption="../report/designs.rst",
        ),
        trajectory="results/{dataset}/design/{method}/trajectory.tsv",
        training="results/{dataset}/design/{method}/training_utility.tsv",
        summary="results/{dataset}/design/{method}/design.json",
    log:
        "results/{dataset}/logs/design_{method}.log",
    benchmark:
        "results/{dataset}/benchmarks/design_{method}.tsv"
    wildcard_constraints:
        method="softmax|fast-seqprop|latent|anneal",
    conda:
        "../envs/seqgen.yaml"
    threads: 2
    resources:
        **gpu_resources(),
    params:
        trained=trained_settings(design_inputs),
        options=design_options,
        device=device(),
        n=config["design"]["n"],
        steps=design_steps,
        seed=config["seed"],
    shell:
        "seqgen design --method {wildcards.method} --data {input.data:q} "
        "--n {params.n} --steps {params.steps} --seed {params.seed} "
        "--device {params.device} {params.options} --out {output.fasta:q} 2> {log:q}"
