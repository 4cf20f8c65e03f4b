"""Vote-based scores for each nation from UN General Assembly roll calls, 2010-2019.

Why this module exists: the simulation needs a defensible *starting* position for every
nation on the US <-> China axis and a measure of how strongly it holds to the
non-intervention / sovereignty norm. UNGA roll calls are the one behavioural record in
which nearly every state takes a position on the same questions, so we derive both from
them (Voeten, Strezhnev & Bailey, Harvard Dataverse hdl:1902.1/12379, via the R package
unvotes 0.3.0, MIT; see ``sim/data/raw/unga/README.md`` and ``docs/initial_alignment.md``).

Everything here is a pure function of the raw files: no network, no global state.
Vote coding throughout: yes = +1, abstain = 0, no = -1, absent = NaN.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from sim import paths

RAW_DIR = paths.RAW_DIR / "unga"
ROLL_CALLS_FILE = "unga_roll_calls_2010_2019.csv"
VOTES_FILE = "unga_votes_2010_2019.csv"

VOTE_VALUES: dict[str, float] = {"yes": 1.0, "abstain": 0.0, "no": -1.0}

US = "USA"
CHINA = "CHN"

# ISO 3166-1 alpha-2 -> alpha-3 for every code in the vote file, plus a few historical /
# user-assigned codes vote datasets are known to use. A literal dict instead of pycountry:
# no extra runtime dependency and the odd cases are explicit. "YU" is what unvotes calls
# Serbia in these years (the file labels it "Yugoslavia").
# fmt: off
ISO2_TO_ISO3: dict[str, str] = {
    "AD": "AND", "AE": "ARE", "AF": "AFG", "AG": "ATG", "AL": "ALB", "AM": "ARM", "AO": "AGO",
    "AR": "ARG", "AT": "AUT", "AU": "AUS", "AZ": "AZE", "BA": "BIH", "BB": "BRB", "BD": "BGD",
    "BE": "BEL", "BF": "BFA", "BG": "BGR", "BH": "BHR", "BI": "BDI", "BJ": "BEN", "BN": "BRN",
    "BO": "BOL", "BR": "BRA", "BS": "BHS", "BT": "BTN", "BW": "BWA", "BY": "BLR", "BZ": "BLZ",
    "CA": "CAN", "CD": "COD", "CF": "CAF", "CG": "COG", "CH": "CHE", "CI": "CIV", "CL": "CHL",
    "CM": "CMR", "CN": "CHN", "CO": "COL", "CR": "CRI", "CU": "CUB", "CV": "CPV", "CY": "CYP",
    "CZ": "CZE", "DE": "DEU", "DJ": "DJI", "DK": "DNK", "DM": "DMA", "DO": "DOM", "DZ": "DZA",
    "EC": "ECU", "EE": "EST", "EG": "EGY", "ER": "ERI", "ES": "ESP", "ET": "ETH", "FI": "FIN",
    "FJ": "FJI", "FM": "FSM", "FR": "FRA", "GA": "GAB", "GB": "GBR", "GD": "GRD", "GE": "GEO",
    "GH": "GHA", "GM": "GMB", "GN": "GIN", "GQ": "GNQ", "GR": "GRC", "GT": "GTM", "GW": "GNB",
    "GY": "GUY", "HN": "HND", "HR": "HRV", "HT": "HTI", "HU": "HUN", "ID": "IDN", "IE": "IRL",
    "IL": "ISR", "IN": "IND", "IQ": "IRQ", "IR": "IRN", "IS": "ISL", "IT": "ITA", "JM": "JAM",
    "JO": "JOR", "JP": "JPN", "KE": "KEN", "KG": "KGZ", "KH": "KHM", "KI": "KIR", "KM": "COM",
    "KN": "KNA", "KP": "PRK", "KR": "KOR", "KW": "KWT", "KZ": "KAZ", "LA": "LAO", "LB": "LBN",
    "LC": "LCA", "LI": "LIE", "LK": "LKA", "LR": "LBR", "LS": "LSO", "LT": "LTU", "LU": "LUX",
    "LV": "LVA", "LY": "LBY", "MA": "MAR", "MC": "MCO", "MD": "MDA", "ME": "MNE", "MG": "MDG",
    "MH": "MHL", "MK": "MKD", "ML": "MLI", "MM": "MMR", "MN": "MNG", "MR": "MRT", "MT": "MLT",
    "MU": "MUS", "MV": "MDV", "MW": "MWI", "MX": "MEX", "MY": "MYS", "MZ": "MOZ", "NA": "NAM",
    "NE": "NER", "NG": "NGA", "NI": "NIC", "NL": "NLD", "NO": "NOR", "NP": "NPL", "NR": "NRU",
    "NZ": "NZL", "OM": "OMN", "PA": "PAN", "PE": "PER", "PG": "PNG", "PH": "PHL", "PK": "PAK",
    "PL": "POL", "PT": "PRT", "PW": "PLW", "PY": "PRY", "QA": "QAT", "RO": "ROU", "RU": "RUS",
    "RW": "RWA", "SA": "SAU", "SB": "SLB", "SC": "SYC", "SD": "SDN", "SE": "SWE", "SG": "SGP",
    "SI": "SVN", "SK": "SVK", "SL": "SLE", "SM": "SMR", "SN": "SEN", "SO": "SOM", "SR": "SUR",
    "SS": "SSD", "ST": "STP", "SV": "SLV", "SY": "SYR", "SZ": "SWZ", "TD": "TCD", "TG": "TGO",
    "TH": "THA", "TJ": "TJK", "TL": "TLS", "TM": "TKM", "TN": "TUN", "TO": "TON", "TR": "TUR",
    "TT": "TTO", "TV": "TUV", "TZ": "TZA", "UA": "UKR", "UG": "UGA", "US": "USA", "UY": "URY",
    "UZ": "UZB", "VC": "VCT", "VE": "VEN", "VN": "VNM", "VU": "VUT", "WS": "WSM", "YE": "YEM",
    "ZA": "ZAF", "ZM": "ZMB", "ZW": "ZWE",
    # historical / odd codes
    "YU": "SRB",  # unvotes' code for Serbia (FR Yugoslavia -> Serbia and Montenegro -> Serbia)
    "CS": "SRB",  # Serbia and Montenegro (2003-2006)
    "RS": "SRB",
    "ZR": "COD",  # Zaire
    "TP": "TLS",  # East Timor
    "BU": "MMR",  # Burma
    "PS": "PSE",  # Palestine (observer; never in roll calls, kept for completeness)
    "XK": "XKX",  # Kosovo (user-assigned code; not a UN member)
    "TW": "TWN",
    "VA": "VAT",
}
# fmt: on

# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


def _resolve(raw_dir: Path, name: str) -> Path:
    """Prefer the gzipped copy (what the repo ships) but accept a plain CSV as well."""
    for candidate in (raw_dir / f"{name}.gz", raw_dir / name):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"neither {name}.gz nor {name} in {raw_dir}")


def load_votes(raw_dir: Path | str = RAW_DIR) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the roll-call table and the long vote table.

    Returns ``(roll_calls, votes)``. ``roll_calls`` is indexed by ``rcid``; ``votes`` has
    ``rcid, iso2, iso3, country, vote, value``. The files' ``#`` header lines are skipped.
    ``keep_default_na=False`` matters: Namibia's alpha-2 code is the string ``"NA"``.
    Unknown vote strings or unmapped codes raise, so a changed source cannot silently
    shift scores.
    """
    raw_dir = Path(raw_dir)
    roll_calls = pd.read_csv(_resolve(raw_dir, ROLL_CALLS_FILE), comment="#")
    roll_calls["short"] = roll_calls["short"].astype("string").str.strip()
    roll_calls.loc[roll_calls["short"] == "", "short"] = pd.NA
    roll_calls["date"] = pd.to_datetime(roll_calls["date"])
    roll_calls = roll_calls.set_index("rcid", verify_integrity=True).sort_index()

    votes = pd.read_csv(
        _resolve(raw_dir, VOTES_FILE),
        comment="#",
        keep_default_na=False,
        dtype={"rcid": "int64", "iso2": "string", "country": "string", "vote": "string"},
    )
    votes["vote"] = votes["vote"].str.strip().str.lower()
    bad = set(votes["vote"].unique()) - set(VOTE_VALUES)
    if bad:
        raise ValueError(f"unexpected vote values: {sorted(bad)}")
    votes["iso2"] = votes["iso2"].str.strip().str.upper()
    unmapped = set(votes["iso2"].unique()) - set(ISO2_TO_ISO3)
    if unmapped:
        raise ValueError(f"iso2 codes without an iso3 mapping: {sorted(unmapped)}")
    votes["iso3"] = votes["iso2"].map(ISO2_TO_ISO3)
    votes["value"] = votes["vote"].map(VOTE_VALUES).astype(float)
    dup = votes.duplicated(["rcid", "iso3"])
    if dup.any():
        raise ValueError(f"{int(dup.sum())} duplicate (rcid, country) votes")
    unknown_rc = set(votes["rcid"]) - set(roll_calls.index)
    if unknown_rc:
        raise ValueError(f"votes for unknown roll calls: {sorted(unknown_rc)[:5]}...")
    return roll_calls, votes


def vote_matrix(votes: pd.DataFrame, roll_calls: pd.DataFrame | None = None) -> pd.DataFrame:
    """Countries (iso3) x roll calls (rcid): yes = +1, abstain = 0, no = -1, NaN absent.

    Absence is kept as NaN rather than coded as abstention: a missing vote says nothing
    about a position (small delegations miss many votes), so every statistic below uses
    only the votes a country actually cast. Columns follow ``roll_calls`` order if given.
    """
    m = votes.pivot(index="iso3", columns="rcid", values="value").astype(float)
    if roll_calls is not None:
        m = m.reindex(columns=roll_calls.index)
    m.index.name = "iso3"
    return m.sort_index()


# --------------------------------------------------------------------------------------
# Agreement index
# --------------------------------------------------------------------------------------


def agreement(matrix: pd.DataFrame, reference: str) -> pd.Series:
    """Share of identical votes with ``reference`` (Lijphart-style index of agreement).

    Over the roll calls both countries voted on, each pair scores 1 for the same vote,
    0.5 when one abstained and the other voted yes or no, and 0 for opposite votes:
    ``1 - |x_i - x_ref| / 2`` with yes/abstain/no = +1/0/-1. Counting an abstention as
    half agreement is the classic choice (Lijphart 1963; Voeten's ``s``-style scores do
    the same) because abstaining is a half-way position, not a missing one.
    """
    ref = matrix.loc[reference]
    both = matrix.notna() & ref.notna()
    score = (1.0 - (matrix - ref).abs() / 2.0).where(both)
    return score.mean(axis=1).rename(f"agree_{reference}")


# --------------------------------------------------------------------------------------
# Topics: which roll calls are about nuclear weapons
# --------------------------------------------------------------------------------------

# Nuclear-weapons / WMD arms-control titles. Outer-space and conventional-arms titles are
# deliberately NOT matched: on those the US and China do split along bloc lines.
NUCLEAR_TITLE = re.compile(
    r"NUCLEAR|FISSI|LEAR WEAPON|TEST-BAN|WEAPON TESTS|BALLISTIC|DEPLETED URANIUM"
    r"|MASS DESTRUCTION|DISARMAMENT|NON-PROLIFERATION",
    re.IGNORECASE,
)
_OUTER_SPACE = re.compile(r"OUTER SPACE", re.IGNORECASE)


def _rollcall_similarity(matrix: pd.DataFrame) -> np.ndarray:
    """Cosine similarity of roll-call vote vectors after centring each roll call.

    Absent votes count as the roll call's mean (0 after centring). Unanimous roll calls
    have no variance and get similarity 0 with everything.
    """
    m = matrix.to_numpy(float)
    z = np.where(np.isnan(m), 0.0, m - np.nanmean(m, axis=0))
    norm = np.sqrt((z**2).sum(axis=0))
    norm[norm == 0] = np.inf
    return (z.T @ z) / np.outer(norm, norm)


def roll_call_topics(
    roll_calls: pd.DataFrame, matrix: pd.DataFrame, *, min_similarity: float = 0.5
) -> pd.DataFrame:
    """Fill in missing titles and flag nuclear-weapons roll calls.

    Why: about a third of roll calls have no ``short`` title (all of sessions 69-70, and
    most separate-paragraph votes), yet we must know which ones are about nuclear
    weapons. Titles are filled in three steps, recorded in ``title_source``:

    1. ``title``: the roll call's own ``short``;
    2. ``unres``: the title of a titled roll call on the same resolution (paragraph votes);
    3. ``nearest``: the title of the titled roll call whose centred vote vector is most
       similar (cosine). The same resolutions come back every session with near-identical
       votes, so this recovers the topic well: leave-one-session-out it reproduces the
       nuclear flag of titled roll calls about 95% of the time. Below ``min_similarity``
       (e.g. unanimous votes, which have no pattern) the title stays missing and the roll
       call counts as not nuclear.

    Returns a frame indexed by rcid with ``title``, ``title_source``, ``similarity``
    (for ``nearest``) and ``nuclear`` (bool).
    """
    rc = roll_calls.reindex(matrix.columns)
    title = rc["short"].copy()
    source = pd.Series(np.where(title.notna(), "title", ""), index=rc.index, dtype=object)
    by_unres = rc.loc[title.notna()].groupby("unres")["short"].first()
    inherited = rc["unres"].map(by_unres)
    fill = title.isna() & inherited.notna()
    title[fill] = inherited[fill]
    source[fill] = "unres"

    similarity = pd.Series(np.nan, index=rc.index)
    missing = title.isna()
    if missing.any():
        sim = _rollcall_similarity(matrix)
        pos = {r: i for i, r in enumerate(matrix.columns)}
        donors = np.array([pos[r] for r in rc.index[~missing]])
        for r in rc.index[missing]:
            row = sim[pos[r], donors]
            similarity[r] = float(row.max())
            if row.max() >= min_similarity:
                title[r] = title.iloc[donors[int(np.argmax(row))]]
                source[r] = "nearest"

    nuclear = title.map(
        lambda s: (
            isinstance(s, str) and bool(NUCLEAR_TITLE.search(s)) and not _OUTER_SPACE.search(s)
        )
    ).astype(bool)
    return pd.DataFrame(
        {"title": title, "title_source": source, "similarity": similarity, "nuclear": nuclear}
    )


# --------------------------------------------------------------------------------------
# Ideal-point scaling
# --------------------------------------------------------------------------------------


def minority_share(matrix: pd.DataFrame) -> pd.Series:
    """Share of votes cast that are not the modal vote, per roll call (0 = unanimous)."""
    counts = pd.concat({v: (matrix == v).sum() for v in VOTE_VALUES.values()}, axis=1).astype(float)
    total = counts.sum(axis=1)
    return (1.0 - counts.max(axis=1) / total.where(total > 0)).fillna(0.0)


def divisive(matrix: pd.DataFrame, a: str = US, b: str = CHINA) -> pd.Series:
    """Roll calls on which ``a`` and ``b`` both voted and voted differently."""
    va, vb = matrix.loc[a], matrix.loc[b]
    return (va.notna() & vb.notna() & (va != vb)).rename("divisive")


def select_roll_calls(
    matrix: pd.DataFrame,
    topics: pd.DataFrame | None = None,
    *,
    subset: str = "divisive",
    drop_nuclear: bool = True,
    min_minority: float = 0.025,
) -> pd.Index:
    """Roll calls used for scaling.

    * ``subset="divisive"`` keeps the roll calls on which the US and China voted
      differently: the only ones that can say whether a state sides with one or the other.
      ``"all"`` keeps every roll call.
    * ``drop_nuclear`` removes nuclear-weapons votes (needs ``topics``). On them states
      sort by *nuclear status*, not by bloc: the US, Russia, the UK and France vote
      together against the Non-Aligned majority, with China (no-first-use doctrine) on
      the NAM side. Left in, they pull Russia to the middle and China into the crowd.
    * ``min_minority`` drops near-unanimous roll calls (minority below 2.5%, the
      NOMINATE convention): they carry almost no information about positions.
    """
    keep = pd.Series(True, index=matrix.columns)
    if subset == "divisive":
        keep &= divisive(matrix)
    elif subset != "all":
        raise ValueError(f"subset must be 'divisive' or 'all', not {subset!r}")
    if drop_nuclear:
        if topics is None:
            raise ValueError("drop_nuclear=True needs the topics frame")
        keep &= ~topics["nuclear"].reindex(matrix.columns).fillna(False).astype(bool)
    if min_minority > 0:
        keep &= minority_share(matrix) >= min_minority
    return matrix.columns[keep.to_numpy()]


def recency_weights(
    roll_calls: pd.DataFrame, half_life: float | None = 3.0, *, reference: float | None = None
) -> pd.Series:
    """Weight ``0.5 ** ((reference - session) / half_life)`` per roll call.

    Why: the simulation starts in 2023, and how a state voted in 2019 says more about
    where it stands then than how it voted in 2010 (Russia's votes harden after 2014,
    several South-East Asian states drift towards the middle). ``reference`` defaults to
    the latest session; ``half_life=None`` gives every roll call weight 1.
    """
    session = roll_calls["session"].astype(float)
    if half_life is None:
        return pd.Series(1.0, index=roll_calls.index, name="weight")
    ref = session.max() if reference is None else reference
    return (0.5 ** ((ref - session) / half_life)).rename("weight")


def ideal_points(
    matrix: pd.DataFrame,
    weights: pd.Series | None = None,
    *,
    max_iter: int = 500,
    tol: float = 1e-10,
) -> pd.Series:
    """One-dimensional ideal points from a linear factor model fitted on observed votes.

    Model (Heckman & Snyder 1997 linear ideal points): ``x_ij ~ a_j + b_j * theta_i``
    with ``a_j`` the roll call's mean position, ``b_j`` its discrimination, ``theta_i`` the
    country's position. Fitted by alternating least squares over the *observed* cells
    only, so an absent vote neither pulls a country to the centre (as mean imputation
    would) nor counts as abstention. Started from the first principal component of the
    mean-imputed, column-centred matrix (to which it reduces when nothing is missing);
    ``theta`` is standardised to mean 0, sd 1 each sweep. Optional per-roll-call
    ``weights`` (e.g. :func:`recency_weights`) weight each roll call's squared residuals:
    they change how much a roll call moves ``theta``, not its own ``a_j``/``b_j``. The sign
    is arbitrary here; see :func:`orient`.
    """
    m = matrix.to_numpy(float)
    obs = ~np.isnan(m)
    if (obs.sum(axis=1) == 0).any():
        raise ValueError("a country has no votes in the selected roll calls")
    cw = np.ones(m.shape[1]) if weights is None else weights.reindex(matrix.columns).to_numpy()
    if np.isnan(cw).any() or (cw < 0).any():
        raise ValueError("weights must be non-negative and cover every roll call")
    w = obs * cw[None, :]
    x0 = np.where(obs, m, 0.0)
    a = np.nanmean(m, axis=0)
    r = np.where(obs, m - a, 0.0)
    u, s, _ = np.linalg.svd(r * np.sqrt(cw)[None, :], full_matrices=False)
    theta = u[:, 0] * s[0]
    theta = (theta - theta.mean()) / theta.std()
    b = (r.T @ theta) / np.maximum(obs.T @ theta**2, 1e-12)
    for _ in range(max_iter):
        a = (np.where(obs, x0 - np.outer(theta, b), 0.0)).sum(axis=0) / np.maximum(
            obs.sum(axis=0), 1
        )
        r = np.where(obs, m - a, 0.0)
        new = ((w * r) @ b) / np.maximum(w @ b**2, 1e-12)
        new = (new - new.mean()) / new.std()
        b = (r.T @ new) / np.maximum(obs.T @ new**2, 1e-12)
        done = np.max(np.abs(new - theta)) < tol
        theta = new
        if done:
            break
    return pd.Series(theta, index=matrix.index, name="ideal_point")


def orient(points: pd.Series, negative: str = US, positive: str = CHINA) -> pd.Series:
    """Flip the sign so that ``negative`` (the US) is below ``positive`` (China)."""
    return -points if points[negative] > points[positive] else points


def rescale(
    points: pd.Series,
    method: str = "median",
    *,
    negative: str = US,
    positive: str = CHINA,
) -> pd.Series:
    """Map oriented ideal points to [-1, 1] with the US at -1 and China at +1.

    * ``"median"`` (default): piecewise linear through three anchors: US -> -1, the median
      UN member -> 0, China -> +1; clipped. Zero then means "votes like the typical UN
      member", i.e. the non-aligned middle, and each side is scaled by its own leader.
    * ``"linear"``: one line through US -> -1 and China -> +1, clipped. Because the
      typical member sits close to China on any UNGA dimension this puts most of the
      world above +0.3 (shown in the doc); kept for comparison.
    * ``"rank"``: 2 * percentile rank - 1 (US = -1; China near +1 but not exactly).
    """
    lo, hi = points[negative], points[positive]
    if method == "linear":
        out = -1.0 + 2.0 * (points - lo) / (hi - lo)
    elif method == "median":
        med = points.median()
        if not lo < med < hi:
            raise ValueError("median rescale needs US < median < China")
        out = pd.Series(
            np.where(points <= med, (points - med) / (med - lo), (points - med) / (hi - med)),
            index=points.index,
        )
    elif method == "rank":
        ranks = points.rank(method="average")
        out = -1.0 + 2.0 * (ranks - 1.0) / (len(points) - 1.0)
    else:
        raise ValueError(f"unknown rescale method {method!r}")
    return out.clip(-1.0, 1.0).rename("alignment")


# --------------------------------------------------------------------------------------
# Non-intervention
# --------------------------------------------------------------------------------------

# Country-specific human-rights ("naming and shaming") resolutions, vote on the resolution
# as a whole: rcid -> (resolution, named state). Found by title where the title names the
# state ("Situation of human rights in ...", "HUMAN RIGHTS--IRAN ..."); the rest (titles
# generic like "HUMAN RIGHTS--REPORTS" or missing, sessions 69-70) identified by their UN
# resolution symbol and checked in the data: the named state votes no and the US yes.
# Not included: DPRK resolutions of 2012-13 and 2016-19 and most Myanmar ones (adopted
# without a vote); separate-paragraph / procedural votes on the same resolutions (e.g.
# rcid 5916 on A/RES/66/175, whose polarity is reversed); "Territorial integrity of
# Ukraine" (68/262) and the Crimea militarisation texts (not human-rights resolutions,
# and a no vote there rejects sovereignty rather than defending it); the Israel /
# occupied-territories texts (they concern occupation of another people's territory, so
# the sovereignty-minded vote is yes, the opposite polarity).
COUNTRY_HR_ROLL_CALLS: dict[int, tuple[str, str]] = {
    # Democratic People's Republic of Korea
    5108: ("A/RES/65/225", "PRK"),
    5133: ("A/RES/66/174", "PRK"),
    5377: ("A/RES/69/188", "PRK"),
    5458: ("A/RES/70/172", "PRK"),
    # Iran
    5110: ("A/RES/65/226", "IRN"),
    5134: ("A/RES/66/175", "IRN"),
    5240: ("A/RES/67/182", "IRN"),
    5303: ("A/RES/68/184", "IRN"),
    5379: ("A/RES/69/190", "IRN"),
    5459: ("A/RES/70/173", "IRN"),
    5488: ("A/RES/71/204", "IRN"),
    5575: ("A/RES/72/189", "IRN"),
    6133: ("A/RES/73/181", "IRN"),
    9131: ("A/RES/74/167", "IRN"),
    # Syria: Third Committee human-rights resolutions
    5135: ("A/RES/66/176", "SYR"),
    5241: ("A/RES/67/183", "SYR"),
    5291: ("A/RES/68/182", "SYR"),
    5378: ("A/RES/69/189", "SYR"),
    5465: ("A/RES/70/234", "SYR"),
    5487: ("A/RES/71/203", "SYR"),
    5556: ("A/RES/72/191", "SYR"),
    6124: ("A/RES/73/182", "SYR"),
    9121: ("A/RES/74/169", "SYR"),
    # Syria: plenary texts condemning the government's violations / setting up the IIIM
    5180: ("A/RES/66/253", "SYR"),
    5545: ("A/RES/71/130", "SYR"),
    5495: ("A/RES/71/248", "SYR"),
    # Myanmar
    5145: ("A/RES/66/230", "MMR"),
    5593: ("A/RES/72/248", "MMR"),
    6158: ("A/RES/73/264", "MMR"),
    9124: ("A/RES/74/246", "MMR"),
    # Crimea (Ukraine), the occupying power named being Russia
    5489: ("A/RES/71/205", "RUS"),
    5558: ("A/RES/72/190", "RUS"),
    6155: ("A/RES/73/263", "RUS"),
    9111: ("A/RES/74/168", "RUS"),
}

COUNTRY_HR_TITLE = re.compile(
    r"situation of human rights (?:in|of)|HUMAN RIGHTS, DEMOCRATIC PEOPLE|HUMAN RIGHTS--IRAN",
    re.IGNORECASE,
)


def country_hr_roll_calls(roll_calls: pd.DataFrame, *, missing_ok: bool = False) -> pd.DataFrame:
    """The curated naming-and-shaming roll calls, joined with their roll-call rows.

    Raises if a listed rcid is missing or its resolution symbol does not match the
    data (guards against a different release of the source being dropped in);
    ``missing_ok`` skips the missing ones instead (a table cut at a date).
    """
    rows = []
    for rcid, (unres, target) in COUNTRY_HR_ROLL_CALLS.items():
        if rcid not in roll_calls.index:
            if missing_ok:
                continue
            raise KeyError(f"rcid {rcid} ({unres}) not in the roll-call table")
        got = str(roll_calls.at[rcid, "unres"])
        if got.split("/")[-2:] != unres.split("/")[-2:]:
            raise ValueError(f"rcid {rcid}: expected {unres}, data says {got}")
        rows.append({"rcid": rcid, "unres": unres, "target": target})
    out = pd.DataFrame(rows).set_index("rcid")
    return out.join(roll_calls[["session", "date", "short"]])


def title_matched_hr_roll_calls(roll_calls: pd.DataFrame) -> pd.Index:
    """rcids whose own title names a state in a human-rights resolution (cross-check)."""
    hit = roll_calls["short"].fillna("").str.contains(COUNTRY_HR_TITLE)
    return roll_calls.index[hit.to_numpy()]


#: Country-specific human-rights votes a state must have cast for a non-intervention score (fewer
#: when fewer were held before the date of a dated world: then all of them).
NON_INTERVENTION_MIN_VOTES = 5


def non_intervention(
    matrix: pd.DataFrame,
    rcids: list[int] | pd.Index,
    *,
    min_votes: int = NON_INTERVENTION_MIN_VOTES,
) -> pd.Series:
    """Score in [0, 1]: how consistently a state votes against naming-and-shaming.

    ``(n_no + 0.5 * n_abstain) / n_voted`` over the country-specific human-rights roll
    calls it voted on. Voting no on a resolution that criticises another government's
    treatment of its own people is the textbook expression of the non-intervention /
    sovereignty norm; abstaining is half of it. States that voted on fewer than
    ``min_votes`` of them get NaN (left to the caller's fallback).
    """
    sub = matrix.reindex(columns=list(rcids))
    n = sub.notna().sum(axis=1)
    score = ((sub == -1).sum(axis=1) + 0.5 * (sub == 0).sum(axis=1)) / n.where(n > 0)
    return score.where(n >= min_votes).rename("non_intervention")


# --------------------------------------------------------------------------------------
# Everything together
# --------------------------------------------------------------------------------------


def vote_scores(
    raw_dir: Path | str = RAW_DIR,
    *,
    subset: str = "divisive",
    drop_nuclear: bool = True,
    min_minority: float = 0.025,
    half_life: float | None = 3.0,
    method: str = "median",
    before: date | None = None,
) -> pd.DataFrame:
    """Per-country vote scores, indexed by iso3.

    ``before``: use only the roll calls held before this date (the world at a date must not
    see later votes); the recency weights then count back from the last session kept.

    Columns: ``unga_n_votes`` (votes cast 2010-2019), ``unga_agree_us`` and
    ``unga_agree_china`` (agreement index over all roll calls), ``unga_ideal_point``
    (oriented ideal point, US negative, China positive, sd 1), ``unga_alignment``
    (ideal point rescaled to [-1, 1], US = -1, China = +1) and ``non_intervention``
    ([0, 1]). The keyword options select the scaling variant; the defaults are the ones
    argued for in ``docs/initial_alignment.md``.
    """
    roll_calls, votes = load_votes(raw_dir)
    if before is not None:
        roll_calls = roll_calls[roll_calls["date"] < pd.Timestamp(before)]
        if roll_calls.empty:
            raise ValueError(f"no roll call before {before} in the vote data")
        votes = votes[votes["rcid"].isin(roll_calls.index)]
    matrix = vote_matrix(votes, roll_calls)
    return scores_from_matrix(
        matrix,
        roll_calls,
        subset=subset,
        drop_nuclear=drop_nuclear,
        min_minority=min_minority,
        half_life=half_life,
        method=method,
    )


def scores_from_matrix(
    matrix: pd.DataFrame,
    roll_calls: pd.DataFrame,
    *,
    subset: str = "divisive",
    drop_nuclear: bool = True,
    min_minority: float = 0.025,
    half_life: float | None = 3.0,
    method: str = "median",
) -> pd.DataFrame:
    """:func:`vote_scores` on an already-built vote matrix (lets tests reuse one load)."""
    topics = roll_call_topics(roll_calls, matrix) if drop_nuclear else None
    cols = select_roll_calls(
        matrix, topics, subset=subset, drop_nuclear=drop_nuclear, min_minority=min_minority
    )
    hr = country_hr_roll_calls(roll_calls, missing_ok=True)
    weights = recency_weights(roll_calls.loc[cols], half_life)
    theta = orient(ideal_points(matrix[cols], weights))
    out = pd.DataFrame(
        {
            "unga_n_votes": matrix.notna().sum(axis=1).astype(int),
            "unga_agree_us": agreement(matrix, US),
            "unga_agree_china": agreement(matrix, CHINA),
            "unga_ideal_point": theta,
            "unga_alignment": rescale(theta, method),
            "non_intervention": non_intervention(
                matrix,
                list(hr.index),
                min_votes=min(NON_INTERVENTION_MIN_VOTES, max(len(hr), 1)),
            ),
        }
    )
    out.index.name = "iso3"
    return out
