"""A deterministic, realistic synthetic corpus in the three page formats the loader reads.

    python bench/generate.py --papers 10000 --seed 1 OUT_DIR
    python -m bench.generate --papers 10000 --seed 1 OUT_DIR

What it models (each point is something that stresses the store or the queries):

- authors with Zipf-like productivity (a few write hundreds of papers, most write one), grouped in labs that
  collaborate with neighbouring labs, so co-author neighbourhoods overlap;
- 2–12 authors per paper; profile pages print three names then `et al.`, cluster pages at most eight;
- dblp homonym numbers (`Yao Lu 0006`) for distinct people who share a name, LaTeX and accents in titles,
  year-less dates (`May 27`) for the last twelve months, organisations after `·`, categories drawn from
  `ontology/arxiv-taxonomy.tsv` (page codes such as `LG`, `QUANT-PH` that resolve to exactly that category);
- the same paper on several pages (its authors' profiles and clusters, daily listings), so the loader must
  merge them into one node.

The output depends only on `--papers`, `--seed` and `--as-of`: the same arguments give byte-identical files.
Pages are written as `{kind}-{number}.txt` (`profile-00012.txt`, `cluster-00003.txt`, `listing-00007.txt`)
plus `corpus.json`, a summary (counts, the most prolific authors) that `python -m bench` reads; it is not a
page (no `.txt` suffix), so `scholarkg load OUT_DIR` skips it.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime as dt
import itertools
import json
import math
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scholarkg.loader.dates import MONTHS
from scholarkg.ontology import taxonomy
from scholarkg.ontology.taxonomy import resolve_code

AS_OF = dt.date(2026, 11, 23)
FIRST_YEAR = 2012

FIRST_NAMES = [
    "Alexander",
    "Anna",
    "Benjamin",
    "Beidi",
    "Carlos",
    "Chen",
    "Daniel",
    "Diana",
    "Elena",
    "Emma",
    "Fatima",
    "Felix",
    "Gabriel",
    "Hanna",
    "Hao",
    "Ivan",
    "Jing",
    "Jonas",
    "José",
    "Julia",
    "Kai",
    "Karim",
    "Kevin",
    "Laura",
    "Lei",
    "Li",
    "Lucas",
    "Maria",
    "Mei",
    "Mohan",
    "Nadia",
    "Nikolai",
    "Olga",
    "Omar",
    "Pablo",
    "Priya",
    "Qi",
    "Rahul",
    "Ryan",
    "Sara",
    "Sebastian",
    "Shu",
    "Sofia",
    "Tianlong",
    "Tri",
    "Wei",
    "Xin",
    "Yao",
    "Yuki",
    "Zhen",
    "Zoë",
    "Łukasz",
    "Ángel",
    "Søren",
    "Chloé",
    "Dmitri",
    "Aisha",
    "Bruno",
    "Camille",
    "Dong",
    "Erik",
    "Farah",
    "Gustavo",
    "Hiroshi",
    "Ines",
    "Jae",
    "Kenji",
    "Lars",
    "Marta",
    "Nikhil",
    "Oscar",
    "Paula",
    "Rui",
    "Sven",
    "Tomás",
    "Uma",
    "Viktor",
    "Wen",
    "Ximena",
    "Yasmin",
    "Zheng",
]
LAST_NAMES = [
    "Chen",
    "Wang",
    "Zhang",
    "Liu",
    "Li",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
    "Hu",
    "Guo",
    "Lin",
    "He",
    "Gao",
    "Luo",
    "Dao",
    "Smith",
    "Johnson",
    "Müller",
    "García",
    "Martínez",
    "Rossi",
    "Kowalski",
    "Novák",
    "Nguyen",
    "Kim",
    "Park",
    "Lee",
    "Singh",
    "Patel",
    "Kumar",
    "Sato",
    "Suzuki",
    "Tanaka",
    "Ivanov",
    "Petrov",
    "Dubois",
    "Moreau",
    "Silva",
    "Santos",
    "Costa",
    "Jensen",
    "Hansen",
    "Nielsen",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Becker",
    "Keutzer",
    "Ré",
    "Hoffmann",
    "Andersson",
    "Johansson",
    "Larsen",
    "Berg",
    "Novak",
    "Horvat",
    "Kovač",
    "Yilmaz",
    "Öztürk",
    "Cohen",
    "Levi",
    "Haddad",
    "Okafor",
    "Mensah",
    "Diallo",
    "Ochieng",
    "Fernández",
    "López",
    "Pérez",
    "Gómez",
    "Díaz",
    "Romero",
    "Álvarez",
    "Torres",
    "Ramírez",
    "Flores",
    "Castro",
    "Ortiz",
    "Vargas",
]
TITLE_HEADS = (
    "Efficient",
    "Scalable",
    "Robust",
    "Sparse",
    "Adaptive",
    "Contrastive",
    "Federated",
    "Provable",
    "Self-Supervised",
    "Hierarchical",
    "Causal",
    "Differentiable",
    "Structured",
    "Multimodal",
    "Generative",
    "Bayesian",
    "Quantized",
    "Equivariant",
    "Implicit",
    "Private",
)
TITLE_TOPICS = (
    "Attention",
    "Transformers",
    "Diffusion Models",
    "Graph Neural Networks",
    "Language Models",
    "Matrix Factorization",
    "Reinforcement Learning",
    "Optimizers",
    "Retrieval",
    "Mixture-of-Experts",
    "Vision Encoders",
    "Speech Recognition",
    "Kernel Methods",
    "Neural Fields",
    "Pruning",
    "Knowledge Distillation",
    "Point Clouds",
    "Time Series",
    "Recommender Systems",
    "Variational Inference",
    "Quantum Circuits",
    "Spectral Clustering",
    "Code Generation",
    "Protein Folding",
    "Beamforming",
)
TITLE_GOALS = (
    "for Long-Context Inference",
    "at Scale",
    "with Low-Rank Adapters",
    "under Distribution Shift",
    "via Random Features",
    "for Edge Devices",
    "in the Wild",
    "without Labels",
    "with Provable Guarantees",
    "for Scientific Discovery",
    "on Heterogeneous Hardware",
    "beyond Accuracy",
    "for Multilingual Text",
    "through the Fourier Domain",
    "with Heavy-Hitter Caches",
)
NAMES_PREFIX = ("Deja Vu", "Monarch", "ARMOR", "Splitwise", "REVISE", "COAT", "Orca", "Hydra", "Lumen", "Atlas")
LATEX = (
    "H$_2$O",
    "M$^3$ViT",
    "$\\ell_1$-Regularized",
    "$\\mathcal{O}(n \\log n)$",
    "$k$-Means",
    "$\\varepsilon$-Greedy",
    "FP$8$",
    "$\\alpha$-Divergence",
)
ACCENTED = ("Café", "Señal", "Über", "Naïve", "Façade", "Résumé")
SENTENCES = (
    "Large models are expensive to train and deploy, and existing methods trade accuracy for speed.",
    "We propose a method that keeps the quality of the dense baseline while using a fraction of the compute.",
    "Our analysis shows that the problem admits a closed-form solution under mild assumptions.",
    "Experiments on standard benchmarks show consistent gains over strong baselines.",
    "We release a dataset of 500k examples collected from public sources.",
    "The approach scales to billions of parameters on commodity hardware.",
    "A theoretical analysis explains when and why the method fails.",
    "We study the trade-off between memory and latency in detail.",
    "Ablations isolate the contribution of each component.",
    "The method reduces the error by 40% on average across tasks.",
)
VENUES = (
    ("NeurIPS", "Conference", "Conference Paper"),
    ("ICLR", "Conference", "Conference Paper"),
    ("ICML", "Conference", "Conference Paper"),
    ("CVPR", "Conference", "Conference Paper"),
    ("ACL", "Conference", "Long Paper"),
    ("TMLR", "Journal", "Journal Article"),
    ("JMLR", "Journal", "Journal Article"),
    ("MLSys", "Symposium", "Conference Paper"),
    ("ES-FoMo", "Workshop", "Workshop Paper"),
)
ORGANIZATIONS = [
    "eth-zurich",
    "mit",
    "stanford",
    "berkeley",
    "cmu",
    "meta-ai",
    "google-research",
    "deepmind",
    "tsinghua",
    "peking-university",
    "oxford",
    "cambridge",
    "epfl",
    "mila",
    "inria",
    "max-planck",
    "kaist",
    "tokyo-university",
    "nvidia",
    "microsoft-research",
]
# Categories ML papers are filed under, heaviest first; the rest of the taxonomy forms a long tail.
POPULAR = ("cs.LG", "cs.CV", "cs.CL", "cs.AI", "stat.ML", "cs.CR", "cs.RO", "eess.SP", "cs.IR", "quant-ph")
AUTHORS_PER_PAPER = (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
AUTHOR_COUNT_WEIGHTS = (12, 18, 18, 15, 11, 8, 6, 4, 3, 3, 2)
SYLLABLES = [
    "an",
    "bo",
    "chang",
    "dong",
    "fei",
    "gang",
    "hai",
    "hong",
    "jian",
    "jie",
    "jun",
    "kai",
    "lan",
    "lei",
    "long",
    "min",
    "ming",
    "nan",
    "ning",
    "peng",
    "qing",
    "rui",
    "shan",
    "tao",
    "tian",
    "ting",
    "wen",
    "xiang",
    "xin",
    "yan",
    "yi",
    "yu",
    "zhi",
]
PROFILE_NAMES_SHOWN = 3
ZIPF_EXPONENT = 1.0  # author i (by rank) is drawn with weight 1 / (i + 1) ** ZIPF_EXPONENT
AUTHORS_PER_PAPER_IN_WORLD = 2.0  # people in the world per paper (most publish little)
CLUSTER_NAMES_SHOWN = 8
PAGE_ENTRIES = 1_000  # entries per profile or cluster page (the loader refuses pages past 2,000)


@dataclass
class Author:
    index: int
    name: str
    homonym: str | None
    lab: int
    weight: float
    papers: list[int] = field(default_factory=list)

    @property
    def printed(self) -> str:
        return f"{self.name} {self.homonym}" if self.homonym else self.name


@dataclass
class Paper:
    index: int
    title: str
    authors: list[int]
    date: dt.date
    category: str  # page code, e.g. "LG"
    organizations: list[str]
    abstract: str | None
    venue: tuple[str, str, str]
    trending: str | None
    has_code: bool


def category_codes() -> list[tuple[str, float]]:
    """(page code, weight) for every active taxonomy category whose code resolves back to it."""
    path = Path(taxonomy.__file__).with_name("arxiv-taxonomy.tsv")
    codes: list[tuple[str, float]] = []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = sorted(
            (row for row in csv.DictReader(handle, delimiter="\t") if row["kind"] == "category"),
            key=lambda row: row["id"],
        )
    for row in rows:
        if row["active"] != "True":
            continue
        code = row["id"].split(".", 1)[-1].upper()
        if resolve_code(code) != row["id"]:
            continue
        weight = 40.0 / (POPULAR.index(row["id"]) + 1) if row["id"] in POPULAR else 0.05
        codes.append((code, weight))
    return codes


class Weighted:
    """Draw from a fixed population with fixed weights (cumulative table + bisect)."""

    def __init__(self, items: Sequence[int], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))

    def draw(self, rng: random.Random) -> int:
        at = bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])
        return self.items[min(at, len(self.items) - 1)]


class Corpus:
    """The generated world: authors in labs, papers, then the pages that show them."""

    def __init__(self, papers: int, seed: int, as_of: dt.date = AS_OF) -> None:
        if papers < 1:
            raise ValueError("--papers must be at least 1")
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.codes = category_codes()
        self.code_table = Weighted(range(len(self.codes)), [w for _, w in self.codes])
        self._authors(max(12, int(papers * AUTHORS_PER_PAPER_IN_WORLD)))
        self.papers: list[Paper] = []
        self._titles: set[str] = set()
        for index in range(papers):
            self.papers.append(self._paper(index))

    # --- people -------------------------------------------------------------------------------------------
    def _authors(self, count: int) -> None:
        rng = self.rng
        seen: dict[str, int] = {}
        ranks = list(range(count))
        rng.shuffle(ranks)
        self.authors: list[Author] = []
        lab, left = 0, 0
        for index in range(count):
            if left == 0:
                lab, left = (lab + 1 if index else 0), rng.randint(4, 30)
            left -= 1
            # Names repeat across the world (a small name pool); the second "Wei Chen" gets a dblp number.
            if rng.random() < 0.35:
                first = rng.choice(FIRST_NAMES)
            else:  # two-syllable given names (Tianlong, Zichang): a large name space, as in real data
                first = (rng.choice(SYLLABLES) + rng.choice(SYLLABLES)).capitalize()
            name = f"{first} {rng.choice(LAST_NAMES)}"
            if self.authors and rng.random() < 0.04:  # a common name shared by distinct people (dblp homonyms)
                name = rng.choice(self.authors).name
            seen[name] = seen.get(name, 0) + 1
            homonym = f"{seen[name] - 1:04d}" if seen[name] > 1 else None
            weight = 1.0 / (ranks[index] + 1) ** ZIPF_EXPONENT
            self.authors.append(Author(index, name, homonym, lab, weight))
        self.labs: list[list[int]] = [[] for _ in range(lab + 1)]
        for author in self.authors:
            self.labs[author.lab].append(author.index)
        self.lab_code = [self.code_table.draw(rng) for _ in self.labs]
        self.lab_org = [rng.choice(ORGANIZATIONS) for _ in self.labs]
        # Each lab works with its neighbours and one random partner: overlapping co-author neighbourhoods.
        n = len(self.labs)
        self.partners = [sorted({(i - 1) % n, (i + 1) % n, rng.randrange(n)} - {i}) or [i] for i in range(n)]
        # Big groups publish more, but not in proportion to their star's output (that would be one giant lab).
        self.lab_table = Weighted(
            range(n), [sum(self.authors[a].weight for a in members) ** 0.5 for members in self.labs]
        )
        self.in_lab = [Weighted(members, [self.authors[a].weight for a in members]) for members in self.labs]
        self.anyone = Weighted(range(count), [a.weight for a in self.authors])

    # --- papers -------------------------------------------------------------------------------------------
    def _title(self) -> str:
        rng = self.rng
        for attempt in itertools.count():
            roll = rng.random()
            head, topic, goal = rng.choice(TITLE_HEADS), rng.choice(TITLE_TOPICS), rng.choice(TITLE_GOALS)
            if roll < 0.08:
                title = f"{rng.choice(LATEX)}: {head} {topic} {goal}"
            elif roll < 0.12:
                title = f"{rng.choice(ACCENTED)}: {head} {topic} {goal}"
            elif roll < 0.35:
                title = f"{rng.choice(NAMES_PREFIX)}{rng.randint(1, 99)}: {head} {topic} {goal}"
            else:
                title = f"{head} {topic} {goal}"
            if attempt > 2:  # the combinations run out at scale: number the study
                title = f"{title} (Study {rng.randint(2, 10**6)})"
            key = unicodedata.normalize("NFC", title).casefold()
            if key not in self._titles:
                self._titles.add(key)
                return title
        raise AssertionError("unreachable")

    def _paper(self, index: int) -> Paper:
        rng = self.rng
        lab = self.lab_table.draw(rng)
        wanted = AUTHORS_PER_PAPER[Weighted(range(11), AUTHOR_COUNT_WEIGHTS).draw(rng)] if index else 2
        chosen: list[int] = []
        for _ in range(wanted * 4):
            if len(chosen) == wanted:
                break
            roll = rng.random()
            if roll < 0.72:
                candidate = self.in_lab[lab].draw(rng)
            elif roll < 0.95:
                candidate = self.in_lab[rng.choice(self.partners[lab])].draw(rng)
            else:
                candidate = self.anyone.draw(rng)
            if candidate not in chosen:
                chosen.append(candidate)
        while len(chosen) < 2:  # tiny labs: fill from anywhere
            candidate = rng.randrange(len(self.authors))
            if candidate not in chosen:
                chosen.append(candidate)
        # Senior (prolific) authors tend to come last, students first.
        chosen.sort(key=lambda a: (self.authors[a].weight, rng.random()))
        if rng.random() < 0.5:
            chosen.append(chosen.pop(0))
        for author in chosen:
            self.authors[author].papers.append(index)
        code_index = self.lab_code[lab] if rng.random() < 0.8 else self.code_table.draw(rng)
        days = int((1 - rng.random() ** 2) * (self.as_of - dt.date(FIRST_YEAR, 1, 1)).days)
        date = dt.date(FIRST_YEAR, 1, 1) + dt.timedelta(days=days)
        organizations = []
        if rng.random() < 0.3:
            organizations = sorted({self.lab_org[lab], *([rng.choice(ORGANIZATIONS)] if rng.random() < 0.3 else [])})
        has_code = rng.random() < 0.35
        abstract = None
        if rng.random() < 0.85:
            sentences = rng.sample(SENTENCES, rng.randint(2, 5))
            if has_code:
                sentences.append(f"Code is available at https://github.com/lab{lab}/repo{index}.")
            abstract = " ".join(sentences)
        return Paper(
            index=index,
            title=self._title(),
            authors=chosen,
            date=date,
            category=self.codes[code_index][0],
            organizations=organizations,
            abstract=abstract,
            venue=VENUES[rng.randrange(len(VENUES))],
            trending=f"{rng.uniform(1, 99):.1f}" if rng.random() < 0.1 else None,
            has_code=has_code,
        )

    # --- pages --------------------------------------------------------------------------------------------
    def printed_date(self, date: dt.date) -> str:
        """`May 27` for the last twelve months (the loader resolves it against as_of), else `May 27, 2024`."""
        text = f"{MONTHS[date.month - 1]} {date.day}"
        if dt.timedelta(0) <= self.as_of - date < dt.timedelta(days=360) and not (date.month == 2 and date.day == 29):
            return text
        return f"{text}, {date.year}"

    def plan(self) -> list[tuple[str, list[int], int | None]]:
        """Pages as (kind, paper indexes, owner): every paper is on a profile or cluster page of one of its
        authors; prolific authors get a page; daily listings repeat a sample of papers."""
        rng = self.rng
        pages: list[tuple[str, list[int], int | None]] = []
        has_page: set[int] = set()
        covered = [False] * len(self.papers)

        def add_owner(author: int) -> None:
            has_page.add(author)
            # Homonyms are what dblp clusters are for; other owners mostly get a profile.
            kind = "cluster" if self.authors[author].homonym or rng.random() < 0.25 else "profile"
            papers = sorted(self.authors[author].papers, key=lambda p: self.papers[p].date, reverse=True)
            for start in range(0, len(papers), PAGE_ENTRIES):  # a long list is paginated, as the sites do
                pages.append((kind, papers[start : start + PAGE_ENTRIES], author))
            for paper in papers:
                covered[paper] = True

        by_output = sorted(range(len(self.authors)), key=lambda a: (-len(self.authors[a].papers), a))
        for author in by_output[: max(1, len(self.authors) // 50)]:
            if self.authors[author].papers:
                add_owner(author)
        for paper in self.papers:
            if not covered[paper.index]:
                add_owner(max(paper.authors, key=lambda a: (len(self.authors[a].papers), -a)))
        listings = max(1, len(self.papers) // 60)
        for _ in range(listings):
            size = rng.randint(8, 30)
            pages.append(("listing", sorted(rng.sample(range(len(self.papers)), min(size, len(self.papers)))), None))
        return pages

    def profile(self, owner: int, papers: list[int]) -> str:
        author = self.authors[owner]
        rng = self.rng
        h_index = min(len(papers), int(math.sqrt(len(papers)) * 4) + rng.randint(0, 5))
        lines = [author.printed, ""]
        if rng.random() < 0.9:
            lines.append(self.codes[self.lab_code[author.lab]][0])
        citations = len(papers) * rng.randint(5, 80)
        lines += [
            f"h-index{h_index}",
            f"{len(papers)}papers",
            f"{citations:,}citations",
            f"Novelty{rng.randint(20, 90)}%",
            f"AI Score{rng.randint(10, 95)}",
            "",
            f"{len(papers)} Paper{'s' if len(papers) != 1 else ''}",
            "",
        ]
        for index in papers:
            paper = self.papers[index]
            code_flag = "Code" if paper.has_code else ""
            lines += [
                f"{paper.trending or ''}{paper.category}{self.printed_date(paper.date)}{code_flag}",
                paper.title,
                "",
            ]
            names = [self.authors[a].printed for a in paper.authors]
            shown = ", ".join(names[:PROFILE_NAMES_SHOWN]) + (" et al." if len(names) > PROFILE_NAMES_SHOWN else "")
            if paper.organizations:
                shown += " · " + ", ".join(paper.organizations)
            lines += [shown, ""]
            if paper.abstract:
                lines += [paper.abstract, ""]
        return "\n".join(lines).rstrip() + "\n"

    def cluster(self, owner: int, papers: list[int]) -> str:
        author = self.authors[owner]
        lines = [
            "Arrow Research search",
            "",
            "Author name cluster",
            "",
            author.printed,
            "",
            "Possible papers associated with this exact author name in Arrow. This page groups case-insensitive "
            "exact name matches and is not a full identity disambiguation profile.",
            "",
            f"{len(papers)} paper{'s' if len(papers) != 1 else ''}",
            f"{1 + (author.homonym is not None)} author row{'s' if author.homonym else ''}",
            "",
            "Possible papers",
            "",
            str(len(papers)),
            "",
        ]
        for index in papers:
            paper = self.papers[index]
            series, kind, publication = paper.venue
            lines += [f"{series} {kind} {paper.date.year} {publication}", "", paper.title, ""]
            lines += [f"  • {self.authors[a].printed}" for a in paper.authors[:CLUSTER_NAMES_SHOWN]]
            lines.append("")
            if paper.abstract:
                lines += [paper.abstract, ""]
        return "\n".join(lines).rstrip() + "\n"

    def listing(self, papers: list[int]) -> str:
        day = self.as_of - dt.timedelta(days=self.rng.randrange(300))
        lines = [
            "New",
            "",
            "Get trending papers in your email inbox!",
            "",
            "Subscribe",
            "",
            "Daily Papers",
            "",
            "byAK and the research community",
            "",
            f"{MONTHS[day.month - 1]} {day.day}",
            "",
        ]
        for index in papers:
            paper = self.papers[index]
            lines += [paper.title, ""]
            if paper.abstract:
                lines += [paper.abstract, ""]
            count = len(paper.authors)
            upvotes = self.rng.randint(0, 300)
            lines += [
                f"  • {count} author{'s' if count != 1 else ''}",
                "·",
                f"{self.printed_date(paper.date)}{f' {upvotes}' if upvotes else ''}",
                "",
            ]
        return "\n".join(lines).rstrip() + "\n"

    def write(self, out: Path) -> dict[str, object]:
        out.mkdir(parents=True, exist_ok=True)
        numbers = {"profile": 0, "cluster": 0, "listing": 0}
        appearances = [0] * len(self.papers)
        shown: set[int] = set()  # authors whose name some page prints (listings print only a count)
        total_bytes = 0
        for kind, papers, owner in self.plan():
            if kind == "listing":
                text = self.listing(papers)
            else:
                assert owner is not None
                text = self.profile(owner, papers) if kind == "profile" else self.cluster(owner, papers)
            numbers[kind] += 1
            data = text.encode("utf-8")
            (out / f"{kind}-{numbers[kind]:05d}.txt").write_bytes(data)
            total_bytes += len(data)
            for paper in papers:
                appearances[paper] += 1
            if owner is not None:
                cut = PROFILE_NAMES_SHOWN if kind == "profile" else CLUSTER_NAMES_SHOWN
                shown.add(owner)
                shown.update(a for paper in papers for a in self.papers[paper].authors[:cut])
        summary = self.summary(numbers, appearances, total_bytes, shown)
        (out / "corpus.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return summary

    def summary(
        self, pages: dict[str, int], appearances: list[int], total_bytes: int, shown: set[int]
    ) -> dict[str, object]:
        ranked = sorted((a for a in self.authors if a.papers), key=lambda a: (-len(a.papers), a.index))

        def describe(author: Author) -> dict[str, object]:
            coauthors = {c for p in author.papers for c in self.papers[p].authors} - {author.index}
            return {
                "name": author.name,
                "printed": author.printed,
                "homonym": author.homonym,
                "papers": len(author.papers),
                "coauthors": len(coauthors),
                "title": self.papers[author.papers[0]].title,
            }

        p99 = ranked[min(len(ranked) - 1, len(ranked) // 100)]
        one_paper = next(
            (a for a in reversed(ranked) if len(a.papers) == 1 and not a.homonym and a.index in shown), ranked[-1]
        )
        return {
            "papers": len(self.papers),
            "authors": len(ranked),
            "labs": len(self.labs),
            "as_of": self.as_of.isoformat(),
            "pages": pages,
            "bytes": total_bytes,
            "appearances_per_paper": round(sum(appearances) / len(appearances), 3),
            "max_appearances": max(appearances),
            "homonym_authors": sum(1 for a in ranked if a.homonym),
            "authors_for_queries": {
                "most_prolific": describe(ranked[0]),
                "p99": describe(p99),
                "one_paper": describe(one_paper),
            },
            "search_terms": ["transformers", "diffusion", "cafe", "sparse attention"],
        }


def generate(out: Path, papers: int, seed: int, as_of: dt.date = AS_OF) -> dict[str, object]:
    """Write the corpus for (`papers`, `seed`, `as_of`) into `out`; returns the summary written to corpus.json."""
    return Corpus(papers, seed, as_of).write(out)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, metavar="OUT_DIR")
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=AS_OF, help="the day the pages were saved")
    args = parser.parse_args(argv)
    summary = generate(args.out, args.papers, args.seed, args.as_of)
    print(json.dumps({k: summary[k] for k in ("papers", "authors", "pages", "bytes", "appearances_per_paper")}))


if __name__ == "__main__":
    main()
