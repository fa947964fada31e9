# Generators: hold out a share of the data (of its positives, with negatives), train (vae, gan) on the rest, sample,
# evaluate against the held-out part.


rule split_generator_data:
    input:
        "results/{dataset}/data.npz",
    output:
        training="results/{dataset}/generator/training.npz",
        heldout="results/{dataset}/generator/heldout.npz",
    log:
        "results/{dataset}/logs/split_generator_data.log",
    conda:
        "../envs/seqgen.yaml"
    params:
        options=split_options,
    shell:
        "seqgen split {input:q} {params.options} --training {output.training:q} --heldout {output.heldout:q} "
        "2> {log:q}"


rule train_generator:
    input:
        generator_data,
    output:
        model="results/{dataset}/generator/{model}/model.pt",
        metrics=report(
            "results/{dataset}/generator/{model}/metrics.csv",
            category="Generators",
            subcategory="{dataset}",
            caption="../report/generator_metrics.rst",
        ),
    log:
        "results/{dataset}/logs/train_{model}.log",
    benchmark:
        "results/{dataset}/benchmarks/train_{model}.tsv"
    wildcard_constraints:
        model="vae|gan",
    conda:
        "../envs/seqgen.yaml"
    threads: 2
    resources:
        **gpu_resources(),
        runtime=lambda w: wfc.training_runtime(config, w.dataset, w.model),
    params:
        settings=generator_settings,
        folder=lambda w, output: shlex.quote(str(Path(output.model).parent)),
        device=device(),
        seed=config["seed"],
    shell:
        "seqgen train {wildcards.model} --data {input:q} --out {params.folder} --settings {params.settings} "
        "--seed {params.seed} --device {params.device} --no-progress --resume-if-unchanged 2> {log:q}"


rule sample:
    input:
        "results/{dataset}/generator/{model}/model.pt",
    output:
        "results/{dataset}/generator/{model}/samples.fasta",
    log:
        "results/{dataset}/logs/sample_{model}.log",
    conda:
        "../envs/seqgen.yaml"
    params:
        trained=trained_settings(lambda w: [f"results/{w.dataset}/generator/{w.model}/model.pt"]),
        device=device(gpu_job=False),
        n=config["sample"]["n"],
        seed=config["seed"],
    shell:
        "seqgen sample --model {input:q} --n {params.n} --seed {params.seed} --device {params.device} "
        "--out {output:q} 2> {log:q}"


rule evaluate_generator:
    input:
        unpack(evaluation_inputs),
        query="results/{dataset}/generator/{model}/samples.fasta",
    output:
        "results/{dataset}/generator/{model}/evaluation.json",
    log:
        "results/{dataset}/logs/evaluate_{model}.log",
    conda:
        "../envs/seqgen.yaml"
    params:
        seed=config["seed"],
        training=lambda w, input: f" --training {shlex.quote(input.training)}" if "training" in input.keys() else "",
    shell:
        "seqgen evaluate --reference {input.reference:q} --query {input.query:q}{params.training} --seed {params.seed} "
        "--out {output:q} 2> {log:q}"
