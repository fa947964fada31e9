# Mutation effects: a data set's `mutants` (of its alignment's focus sequence) scored by its family VAE.


rule score_mutants:
    input:
        model="results/{dataset}/generator/vae/model.pt",
        mutants=lambda w: dataset(w)["mutants"],
    output:
        report(
            "results/{dataset}/mutations.tsv",
            category="Mutations",
            subcategory="{dataset}",
            caption="../report/mutations.rst",
        ),
    log:
        "results/{dataset}/logs/score_mutants.log",
    benchmark:
        "results/{dataset}/benchmarks/score_mutants.tsv"
    conda:
        "../envs/seqgen.yaml"
    threads: 2
    resources:
        **gpu_resources(),
    params:
        trained=trained_settings(lambda w: [f"results/{w.dataset}/generator/vae/model.pt"]),
        folder=lambda w, input: shlex.quote(str(Path(input.model).parent)),
        device=device(),
        samples=config["mutations"]["samples"],
        seed=config["seed"],
        measured=mutation_options,
    shell:
        "seqgen score-mutants --model {params.folder} --mutants {input.mutants:q} --samples {params.samples} "
        "--seed {params.seed} --device {params.device}{params.measured} --out {output:q} 2> {log:q}"
