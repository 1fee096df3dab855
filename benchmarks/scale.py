"""Scale benchmark: N distinct synthetic news articles (seeded, varied
vocabulary, many sharing the seeds' companies and themes) with the seed
articles mixed in. Prints, for each size: ingest chunks/s, search p50/p95,
RSS, and hit@5 of the answerable seed dev questions amid the noise. Asserts nothing.

    .venv/bin/python benchmarks/scale.py                       # 1k and 10k chunks, embedded Chroma
    .venv/bin/python benchmarks/scale.py --chunks 100000 --store http   # starts `chroma run` itself

The chunks are embedded by the real embedder (no random vectors).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

COMPANIES = ("Apple Amazon AWS Google Microsoft Nvidia Intel AMD Meta Samsung Oracle IBM Tesla Netflix Spotify "
             "Airbus Siemens Nestlé Toyota Sony Shell Qualcomm Broadcom Arm TSMC Dell Cisco Adobe Salesforce "
             "Alibaba Tencent Baidu Huawei Xiaomi Renault Danone Orange Ubisoft Capgemini").split()
CITIES = ("Paris Lyon Seattle Austin Berlin Munich Tokyo Osaka Toronto Dublin Madrid Lisbon Oslo Nairobi Lagos "
          "Mumbai Delhi Sydney Denver Boston Chicago Milan Zurich Geneva Seoul Taipei Dubai Cairo Lima Quito").split()
TOPICS = {
    "tech": "chip processor server datacenter cloud model training inference software startup platform "
            "developer smartphone laptop network storage accelerator cluster benchmark firmware".split(),
    "finance": "shares investors earnings revenue quarter dividend bond inflation merger acquisition "
               "valuation profit losses forecast analysts bank loan market".split(),
    "sport": "match season coach striker goal tournament league final championship stadium transfer "
             "injury referee victory defeat squad trophy".split(),
    "politics": "minister parliament election vote coalition reform budget senator campaign treaty "
                "policy opposition mayor referendum cabinet law".split(),
    "health": "hospital vaccine patients trial doctors clinic virus treatment nurses diagnosis therapy "
              "insurance pharmacy surgery outbreak".split(),
    "climate": "emissions drought flood wildfire solar wind turbine carbon glacier heatwave rainfall "
               "biodiversity recycling grid battery".split(),
    "culture": "festival album concert museum exhibition novel film director actor premiere gallery "
               "theatre orchestra award critics".split(),
}
FIRST = "Maria Jean Akira Fatima Lars Priya Diego Chen Olga Samuel Amara Luca Ines Tomas Yara Noah Leila Ravi".split()
SYLLABLES = "ka lo mi ren tor vex qui zan dor pel sha nu bri gor fen tal oru xim vad sel".split()

TEMPLATES = [
    "{company} said on {weekday} that its new {noun} would reach {city} by {year}.",
    "{person}, who leads the {noun} division at {company}, told reporters the {noun2} plan was on track.",
    "Analysts expect {company} to report a {pct} percent rise in {noun} sales this quarter.",
    "The {noun} project in {city} has cost {money} million dollars so far, according to {person}.",
    "{company} is testing the {product} {noun} with {n} partners before a wider launch.",
    "Officials in {city} confirmed that {n} {noun2}s were affected on {weekday}.",
    "{person} joined {company} in {year} after a decade at {company2}, where she ran {noun} operations.",
    "The {product} promises {pct} percent better {noun} than the previous generation, {company} claims.",
    "Critics argue the {noun} deal between {company} and {company2} gives too much power to one firm.",
    "{company} plans to use {product} {noun}s to {verb} its {noun2} services in {city}.",
    "In {city}, the {noun} festival drew {n} thousand visitors, up {pct} percent from last year.",
    "A spokesperson for {company} declined to comment on the {noun2} report.",
    "The {noun} market could be worth {money} billion dollars by {year}, a study by {company} found.",
    "{person} described the {noun} as a turning point for {company2} and its rivals.",
    "Engineers at {company} said the {product} chip cut the cost of {noun} by {pct} percent.",
    # distractors phrased like the seed questions, with other companies, chips and people
    "{company} is evaluating {company2}'s {product} chip for pre-training its {noun} models.",
    "{person}, senior director of {noun} at {company}, spoke at the {company2} conference in {city}.",
    "{company} expects a {pct} percent improvement in efficiency from {company2}'s {product} chips.",
    "{company} has relied on {company2} for more than {n} years to run its {noun} services, {person} said.",
    "Le projet {product} de {company} à {city} doit ouvrir en {year}, selon {person}.",
    "{company} a annoncé {n} nouveaux emplois dans le secteur {noun} à {city}.",
]
VERBS = "expand train power improve replace upgrade secure accelerate modernize host".split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday".split()


def _word(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts))


def synthetic_article(rng: random.Random, i: int) -> str:
    topic = rng.choice(list(TOPICS))
    nouns = TOPICS[topic] + TOPICS[rng.choice(list(TOPICS))][:5]
    own = [_word(rng, rng.randint(2, 3)) for _ in range(6)]  # each article brings words of its own
    product = f"{own[0].capitalize()}{rng.randint(1, 9)}"
    person = f"{rng.choice(FIRST)} {own[1].capitalize()}"
    company = rng.choice(COMPANIES)

    def fill(template: str) -> str:
        return template.format(
            company=company if rng.random() < 0.6 else rng.choice(COMPANIES), company2=rng.choice(COMPANIES),
            city=rng.choice(CITIES), noun=rng.choice(nouns), noun2=rng.choice(nouns + own[2:]),
            person=person if rng.random() < 0.7 else f"{rng.choice(FIRST)} {_word(rng, 2).capitalize()}",
            product=product, year=rng.randint(2019, 2031), pct=rng.randint(2, 90), money=rng.randint(3, 900),
            n=rng.randint(2, 500), verb=rng.choice(VERBS), weekday=rng.choice(WEEKDAYS),
        )

    title = fill(rng.choice(TEMPLATES[:19])).rstrip(".")
    paragraphs = [" ".join(fill(rng.choice(TEMPLATES)) for _ in range(rng.randint(3, 6))) for _ in range(rng.randint(3, 6))]
    return f"{title}\n\n" + "\n\n".join(paragraphs) + f"\n\n(ref {i:06d} {own[5]})\n"


def write_corpus(folder: Path, n_articles: int, seed: int) -> None:
    """The noise articles, then the seeds, in one folder (ingest sorts by name:
    the seeds land in the middle)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n_articles):
        (folder / f"n{i:06d}.txt").write_text(synthetic_article(rng, i), encoding="utf-8")
    for p in (ROOT / "seeds").glob("*.txt"):
        shutil.copy(p, folder / f"n{n_articles // 2:06d}_{p.name}")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(target_chunks: int, store: str, port: int | None, seed: int, workdir: Path, avg_chunks: float) -> dict:
    from assistant import Assistant
    from assistant.settings import Settings

    folder, data = workdir / f"corpus{target_chunks}", workdir / f"data{target_chunks}"
    n_articles = max(1, round(target_chunks / avg_chunks))
    write_corpus(folder, n_articles, seed)
    extra = {"store": store, "collection": f"scale{target_chunks}"} | ({"chroma_port": port} if port else {})
    a = Assistant(settings=Settings.load(data_dir=data, **extra))
    rss = [rss_mb()]
    t0 = time.perf_counter()
    last = [t0]

    def progress(done: int, total: int, name: str) -> None:
        if time.perf_counter() - last[0] > 5:
            last[0] = time.perf_counter()
            rss.append(rss_mb())
            during.append(f"{100 * done // max(total, 1)}%:{rss[-1]:.0f}")

    during: list[str] = []

    report = a.library.ingest([folder], progress)
    seconds = time.perf_counter() - t0
    rss.append(rss_mb())
    chunks = a.library.store.count()
    qa = [json.loads(l) for l in (ROOT / "tests/data/dev_qa.jsonl").read_text().splitlines() if l.strip()]
    answerable = [q for q in qa if q["answerable"]]
    hits = 0
    misses = []
    for q in answerable:
        top = [Path(p.source).stem.split("_", 1)[-1] for p in a.search(q["question"], k=5)]
        if set(top) & set(q["gold_sources"]):
            hits += 1
        else:
            misses.append(q["id"])
    total, retrieval = [], []
    queries = [q["question"] for q in qa] * 4
    for q in queries:
        t = time.perf_counter()
        vector = a.embedder.embed([q])[0]
        t1 = time.perf_counter()
        a.retriever.search(q, 5, query_vector=vector)
        t2 = time.perf_counter()
        total.append(t2 - t)
        retrieval.append(t2 - t1)
    pct = lambda xs, p: 1000 * statistics.quantiles(xs, n=100)[p - 1]  # noqa: E731
    return {
        "chunks": chunks, "articles": len(report.results), "ingest_s": round(seconds, 1),
        "chunks_per_s": round(report_chunks(report) / seconds, 1),
        "search_p50_ms": round(pct(total, 50), 1), "search_p95_ms": round(pct(total, 95), 1),
        "retrieval_only_p50_ms": round(pct(retrieval, 50), 1), "retrieval_only_p95_ms": round(pct(retrieval, 95), 1),
        "rss_mb_start_end_max": [round(rss[0]), round(rss[-1]), round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)],
        "rss_mb_during_ingest": " ".join(during[:: max(1, len(during) // 8)]),
        "hit_at_5": f"{hits}/{len(answerable)}", "misses": misses,
    }


def report_chunks(report) -> int:
    return sum(r.n_chunks for r in report.results if r.status in ("added", "updated"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chunks", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--store", choices=["embedded", "http"], default="embedded")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--avg-chunks", type=float, default=3.3, help="chunks per synthetic article (measured: 3.3)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        server = None
        port = None
        if args.store == "http":
            from store_support import free_port, stop, wait_http

            port = free_port()
            server = subprocess.Popen([str(Path(sys.executable).parent / "chroma"), "run", "--path", str(workdir / "server"),
                                       "--host", "127.0.0.1", "--port", str(port)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_http(f"http://127.0.0.1:{port}/api/v2/heartbeat", server)
        try:
            for n in args.chunks:
                print(json.dumps({"target_chunks": n, "store": args.store, **run(n, args.store, port, args.seed, workdir, args.avg_chunks)}), flush=True)
        finally:
            if server:
                stop(server)


if __name__ == "__main__":
    main()
