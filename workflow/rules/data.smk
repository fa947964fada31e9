# Input data: simulated from a JASPAR motif, or a user's file; then validated and encoded.


rule simulate:
    output:
        "results/{dataset}/input.tsv",
    log:
        "results/{dataset}/logs/simulate.log",
    conda:
        "../envs/seqgen.yaml"
    params:
        options=simulate_options,
    shell:
        "seqgen simulate {params.options} --out {output:q} 2> {log:q}"


rule encode:
    input:
        data=raw_input,
        genome=genome_input,
    output:
        "results/{dataset}/data.npz",
    log:
        "results/{dataset}/logs/encode.log",
    conda:
        "../envs/seqgen.yaml"
    params:
        options=encode_options,
    shell:
        "seqgen encode {input.data:q} {params.options} --out {output:q} 2> {log:q}"

# Writing a YAML file needs no cluster job: run it where snakemake runs (not queued for the profile's resources).
localrules:
    save_config,


rule save_config:
    conda:
        "../envs/seqgen.yaml"
    output:
        "results/{dataset}/config.yaml",
    params:
        text=lambda w: dataset_config_yaml(w),
    log:
        "results/{dataset}/logs/save_config.log",
    run:
        Path(output[0]).write_text(params.text)
