# The property predictor (a CNN ensemble) of the data set's label.


rule train_predictor:
    input:
        "results/{dataset}/data.npz",
    output:
        model="results/{dataset}/predictor/model.pt",
        metrics=report(
            "results/{dataset}/predictor/metrics.csv",
            category="Predictor",
            subcategory="{dataset}",
            caption="../report/predictor_metrics.rst",
        ),
        summary="results/{dataset}/predictor/metrics.json",
    log:
        "results/{dataset}/logs/train_predictor.log",
    benchmark:
        "results/{dataset}/benchmarks/train_predictor.tsv"
    conda:
        "../envs/seqgen.yaml"
    threads: 2
    resources:
        **gpu_resources(),
        runtime=lambda w: wfc.training_runtime(config, w.dataset, "predictor"),
    params:
        settings=predictor_settings,
        folder=lambda w, output: shlex.quote(str(Path(output.model).parent)),
        device=device(),
        seed=config["seed"],
    shell:
        "seqgen train predictor --data {input:q} --out {params.folder} --settings {params.settings} "
        "--seed {params.seed} --device {params.device} --no-progress --resume-if-unchanged 2> {log:q}"


rule score_samples:
    input:
        model="results/{dataset}/predictor/model.pt",
        samples="results/{dataset}/generator/{model}/samples.fasta",
    output:
        "results/{dataset}/generator/{model}/samples.tsv",
    log:
        "results/{dataset}/logs/score_samples_{model}.log",
    wildcard_constraints:
        model="vae|gan",
    conda:
        "../envs/seqgen.yaml"
    params:
        trained=trained_settings(lambda w: [f"results/{w.dataset}/predictor/model.pt"]),
        device=device(gpu_job=False),
    shell:
        "seqgen predict --model {input.model:q} --input {input.samples:q} --out {output:q} "
        "--device {params.device} --no-progress 2> {log:q}"
