#!/usr/bin/env python3
"""Writes a synthetic site of P procedures × 2 languages (default 1000) for benchmarks:
P/10 scenarios each using 10 procedures, a selector reaching every scenario, one page."""
import os
import sys

out = sys.argv[1]
p = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
for d in ("procedures", "scenarios", "pages"):
    os.makedirs(os.path.join(out, "content", d), exist_ok=True)
with open(os.path.join(out, "book.toml"), "w") as f:
    f.write('[book]\ntitle = { ja = "合成サイト", en = "Synthetic site" }\nlanguages = ["ja", "en"]\n')
for i in range(p):
    with open(os.path.join(out, "content", "procedures", f"proc-{i}.toml"), "w") as f:
        f.write(f'title = {{ ja = "手順 {i}", en = "Procedure {i}" }}\n')
        for s in range(5):
            f.write(f'\n[[steps]]\nid = "s{s}"\ntext = {{ ja = "手順 {i} の {s} 番目を実行します。", en = "Do step {s} of procedure {i}." }}\n')
scenarios = max(1, p // 10)
for j in range(scenarios):
    with open(os.path.join(out, "content", "scenarios", f"case-{j}.toml"), "w") as f:
        f.write(f'title = {{ ja = "状況 {j}", en = "Case {j}" }}\nsymptom = {{ ja = "症状 {j}", en = "Symptom {j}" }}\n')
        for k in range(10):
            f.write(f'\n[[sections]]\nprocedure = "proc-{(j * 10 + k) % p}"\n')
with open(os.path.join(out, "content", "selector.toml"), "w") as f:
    f.write('start = "which"\n\n[questions.which]\ntext = { ja = "どれですか?", en = "Which one?" }\n')
    for j in range(scenarios):
        f.write(f'\n[[questions.which.answers]]\ntext = {{ ja = "状況 {j}", en = "Case {j}" }}\nscenario = "case-{j}"\n')
for lang, title in (("ja", "概要"), ("en", "Overview")):
    with open(os.path.join(out, "content", "pages", f"overview.{lang}.md"), "w") as f:
        f.write(f'+++\ntitle = "{title}"\n+++\n## {title} {{#top}}\n\n[proc-0](procedure:proc-0#s0)\n')
