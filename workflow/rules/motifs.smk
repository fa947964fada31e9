# Motifs: in the top-scoring training sequences (without a label: all of them, against shuffles), the motifs the
# predictor learned (in-silico mutagenesis seqlets, motifs/predictor/), and in each method's designs (against the
# training data).


rule motifs_data:
    input:
        unpack(motif_predictor_inputs),
        data="results/{dataset}/data.npz",
    output:
        meme="results/{dataset}/motifs/motifs.meme",
        tomtom="results/{dataset}/motifs/tomtom.tsv",
        table="results/{dataset}/motifs/motifs.tsv",
        params="results/{dataset}/motifs/params.json",
        logos=report(
            directory("results/{dataset}/motifs/logos"),
            patterns=["{name}.png"],
            category="Motifs",
            subcategory="{dataset}: the data",
            caption="../report/motifs.rst",
        ),
        predictor=report(
            directory("results/{dataset}/motifs/predictor"),
            patterns=["logos/{name}.png"],
            category="Motifs",
            subcategory="{dataset}: the predictor",
            caption="../report/predictor_motifs.rst",
        ),
    log:
        "results/{dataset}/logs/motifs.log",
    conda:
        "../envs/seqgen.yaml"
    params:
        trained=trained_settings(motif_predictor_inputs),
        folder=lambda w, output: shlex.quote(str(Path(output.meme).parent)),
        options=motif_options,
    shell:
        "seqgen motifs --input {input.data:q} {params.options} --out {params.folder} 2> {log:q} && "
        "mkdir -p {output.predictor:q}"  # empty where the data set has no predictor (or motifs.predictor is off)


rule motifs_design:
    input:
        designs="results/{dataset}/design/{method}/designs.fasta",
        background="results/{dataset}/data.npz",
    output:
        meme="results/{dataset}/design/{method}/motifs/motifs.meme",
        tomtom="results/{dataset}/design/{method}/motifs/tomtom.tsv",
        table="results/{dataset}/design/{method}/motifs/motifs.tsv",
        params="results/{dataset}/design/{method}/motifs/params.json",
        logos=report(
            directory("results/{dataset}/design/{method}/motifs/logos"),
            patterns=["{name}.png"],
            category="Motifs",
            subcategory="{dataset}: {method} designs",
            caption="../report/design_motifs.rst",
        ),
    log:
        "results/{dataset}/logs/motifs_{method}.log",
    conda:
        "../envs/seqgen.yaml"
    params:
        folder=lambda w, output: shlex.quote(str(Path(output.meme).parent)),
        options=lambda w: motif_options(w, search_data=False),
    shell:
        "seqgen motifs --input {input.designs:q} --background {input.background:q} {params.options} "
        "--out {params.folder} 2> {log:q}"
