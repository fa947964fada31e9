# Motifs: in the top-scoring training sequences (without a label: all of them, against shuffles),
# and in each method's designs (against the training data).


rule motifs_data:
    input:
        unpack(predictor_inputs),
        data="results/{dataset}/data.npz",
    output:
        meme="results/{dataset}/motifs/motifs.meme",
        tomtom="results/{dataset}/motifs/tomtom.tsv",
        logos=report(
            directory("results/{dataset}/motifs/logos"),
            patterns=["{name}.png"],
            category="Motifs",
            caption="../report/motifs.rst",
        ),
    log:
        "results/{dataset}/logs/motifs.log",
    conda:
        "../envs/seqgen.yaml"
    params:
        folder=lambda w, output: shlex.quote(str(Path(output.meme).parent)),
        predictor=lambda w, input: predictor_option(input),
        alphabet=lambda w: dataset(w)["alphabet"],
        top=config["motifs"]["top"],
        n_motifs=config["motifs"]["n_motifs"],
        max_sequences=config["motifs"]["max_sequences"],
        release=config["motifs"]["jaspar_release"],
        seed=config["seed"],
    shell:
        "seqgen motifs --input {input.data:q} {params.predictor} --alphabet {params.alphabet} --top {params.top} "
        "--max-sequences {params.max_sequences} "
        "--n-motifs {params.n_motifs} --jaspar-release {params.release} "
        "--seed {params.seed} --out {params.folder} 2> {log:q}"


rule motifs_design:
    input:
        designs="results/{dataset}/design/{method}/designs.fasta",
        background="results/{dataset}/data.npz",
    output:
        meme="results/{dataset}/design/{method}/motifs/motifs.meme",
        tomtom="results/{dataset}/design/{method}/motifs/tomtom.tsv",
    log:
        "results/{dataset}/logs/motifs_{method}.log",
    conda:
        "../envs/seqgen.yaml"
    params:
        folder=lambda w, output: shlex.quote(str(Path(output.meme).parent)),
        alphabet=lambda w: dataset(w)["alphabet"],
        n_motifs=config["motifs"]["n_motifs"],
        release=config["motifs"]["jaspar_release"],
        seed=config["seed"],
    shell:
        "seqgen motifs --input {input.designs:q} --background {input.background:q} --alphabet {params.alphabet} "
        "--n-motifs {params.n_motifs} --jaspar-release {params.release} "
        "--seed {params.seed} --out {params.folder} 2> {log:q}"
