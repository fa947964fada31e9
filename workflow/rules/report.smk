# One self-contained HTML report per data set.


rule report_html:
    input:
        expand(
            "results/{{dataset}}/generator/{model}/evaluation.json", model=GENERATORS
        ),
        expand("results/{{dataset}}/design/{method}/motifs/tomtom.tsv", method=METHODS),
        expand("results/{{dataset}}/design/{method}/training_utility.tsv", method=METHODS),
        "results/{dataset}/motifs/tomtom.tsv",
        unpack(predictor_inputs),
        sample_score_inputs,
        unpack(mutation_inputs),
        unpack(scan_inputs),
        "results/{dataset}/config.yaml",
        report_summaries,
    output:
        report(
            "results/{dataset}/report.html",
            category="Report",
            subcategory="{dataset}",
            caption="../report/report.rst",
        ),
    log:
        "results/{dataset}/logs/report.log",
    conda:
        "../envs/seqgen.yaml"
    params:
        folder=lambda w: shlex.quote(f"results/{w.dataset}"),
        title=lambda w: shlex.quote(w.dataset),
        top=config["report"]["top"],
        only=report_options,
    shell:
        "seqgen report --results {params.folder} --title {params.title} --top {params.top} "
        "{params.only} --out {output:q} 2> {log:q}"
