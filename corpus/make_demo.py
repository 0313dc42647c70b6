"""Generate the Wijkkennis demo corpus: five fictional Dutch wijkteam evaluation reports.

Run from the repository root::

    python corpus/make_demo.py

The script (re)writes the five PDFs and ``manifest.csv`` in the folder that holds
this script. The output is deterministic: every canvas is created with
``invariant=1``, so re-running gives byte-identical files.

The reports are fictional. Their layout deliberately contains the features that
the extraction code must cope with (see ``corpus/README.md``): a running header
and a "Pagina N van M" footer on every page but the title page, words hyphenated
across line ends, a two-column page and tables with ruling lines.

Markup in the report text below:

* ``~`` marks a permissible hyphenation point. The line wrapper breaks a word
  there (adding ``-``) only when the whole word does not fit on the line.
* ``|`` marks a forced hyphenation point: the word is always broken there, with
  ``-`` at the end of the line and the remainder at the start of the next line.

Words without a marker are never broken, so the "known facts" listed in the
README are written without markers.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

OUT_DIR = Path(__file__).resolve().parent

PAGE_W, PAGE_H = A4
MARGIN_L = 70.0
MARGIN_R = 70.0
TEXT_W = PAGE_W - MARGIN_L - MARGIN_R
BODY_TOP = PAGE_H - 82.0
BODY_BOTTOM = 72.0
HEADER_Y = PAGE_H - 42.0
FOOTER_Y = 36.0
COL_GAP = 20.0

FONT = "Helvetica"
BOLD = "Helvetica-Bold"
ITALIC = "Helvetica-Oblique"
# Helvetica's standard encoding writes the bullet as code 0x7F, which pdfminer
# cannot map back to Unicode; the Symbol font's bullet extracts as "•".
BULLET_FONT = "Symbol"

BODY_SIZE = 10.5
LEADING = 14.5
PARA_GAP = 6.0
H1_SIZE = 14.0
H2_SIZE = 11.5
SMALL_SIZE = 8.0
TABLE_SIZE = 9.5
TABLE_ROW_H = 18.0
LIST_INDENT = 16.0

SOFT = "~"
HARD = "|"
FICTION_NOTE = "Demonstratiecorpus Wijkkennis — fictief rapport"


class LayoutError(ValueError):
    """Raised when text does not fit where the script puts it."""


# --------------------------------------------------------------------------
# Drawing operations and content blocks
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class TextOp:
    x: float
    y: float
    text: str
    font: str = FONT
    size: float = BODY_SIZE
    align: str = "left"
    gray: float = 0.0


@dataclass(frozen=True)
class LineOp:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float = 0.6
    gray: float = 0.0


Op = TextOp | LineOp


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class ItemList:
    items: tuple[str, ...]
    numbered: bool = False


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]


@dataclass(frozen=True)
class Columns:
    """Two text columns side by side; the left column is meant to be read first."""

    left: tuple[Block, ...]
    right: tuple[Block, ...]


Block = Heading | Para | ItemList | Table | Columns


@dataclass(frozen=True)
class Report:
    file: str
    title: str
    subtitle: str
    gemeente: str
    year: int
    publisher: str
    report_type: str
    date_line: str
    running_header: str
    pages: tuple[tuple[Block, ...], ...]


def _norm(text: str) -> str:
    return " ".join(text.split())


def h1(text: str) -> Heading:
    return Heading(text, 1)


def h2(text: str) -> Heading:
    return Heading(text, 2)


def para(text: str) -> Para:
    return Para(_norm(text))


def bullets(*items: str) -> ItemList:
    return ItemList(tuple(_norm(item) for item in items))


def numbered(*items: str) -> ItemList:
    return ItemList(tuple(_norm(item) for item in items), numbered=True)


def cols(left: list[Block], right: list[Block]) -> Columns:
    return Columns(tuple(left), tuple(right))


# --------------------------------------------------------------------------
# Line wrapping with hyphenation
# --------------------------------------------------------------------------


def _clean(word: str) -> str:
    return word.replace(SOFT, "").replace(HARD, "")


def wrap(text: str, max_width: float, font: str = FONT, size: float = BODY_SIZE) -> list[str]:
    """Greedy line wrapping; breaks words only at ``~`` (if needed) or ``|`` (always)."""

    def fits(candidate: str) -> bool:
        return stringWidth(candidate, font, size) <= max_width

    lines: list[str] = []
    current = ""
    queue = text.split()
    queue.reverse()
    while queue:
        word = queue.pop()
        sep = " " if current else ""
        if HARD in word:
            head, tail = word.split(HARD, 1)
            piece = _clean(head) + "-"
            if not fits(current + sep + piece):
                raise LayoutError(f"forced break in {_clean(word)!r} does not fit on its line")
            lines.append(current + sep + piece)
            current = ""
            queue.append(tail)
            continue
        if fits(current + sep + _clean(word)):
            current += sep + _clean(word)
            continue
        if not current:
            raise LayoutError(f"word {_clean(word)!r} is wider than the text column")
        parts = word.split(SOFT)
        for k in range(len(parts) - 1, 0, -1):
            piece = "".join(parts[:k]) + "-"
            if fits(current + sep + piece):
                lines.append(current + sep + piece)
                current = ""
                queue.append(SOFT.join(parts[k:]))
                break
        else:
            lines.append(current)
            current = ""
            queue.append(word)
    if current:
        lines.append(current)
    return lines


# --------------------------------------------------------------------------
# Page layout
# --------------------------------------------------------------------------


def _is_number(cell: str) -> bool:
    return bool(cell) and all(ch.isdigit() or ch in ".," for ch in cell)


def place(
    blocks: tuple[Block, ...],
    ops: list[Op],
    x: float,
    width: float,
    top: float,
    label: str,
    grid: bool = False,
) -> float:
    """Lay ``blocks`` out top-down from ``top``; return the y where the text ends.

    With ``grid`` every vertical step is a whole number of body lines, so that the
    lines of two columns placed side by side share their baselines.
    """
    y = top
    para_gap = LEADING if grid else PARA_GAP

    def text_lines(lines: list[str], indent: float = 0.0) -> None:
        nonlocal y
        for line in lines:
            y -= LEADING
            ops.append(TextOp(x + indent, y + 4.0, line))

    for block in blocks:
        if isinstance(block, Heading):
            size = H1_SIZE if block.level == 1 else H2_SIZE
            if y < top:
                y -= 16.0 if block.level == 1 else 8.0
            for line in wrap(block.text, width, BOLD, size):
                y -= size * 1.35
                ops.append(TextOp(x, y + 0.3 * size, line, BOLD, size))
            y -= 4.0
        elif isinstance(block, Para):
            text_lines(wrap(block.text, width))
            y -= para_gap
        elif isinstance(block, ItemList):
            for number, item in enumerate(block.items, start=1):
                lines = wrap(item, width - LIST_INDENT)
                if block.numbered:
                    ops.append(TextOp(x, y - LEADING + 4.0, f"{number}."))
                else:
                    ops.append(TextOp(x + 3.0, y - LEADING + 4.0, "•", BULLET_FONT))
                text_lines(lines, LIST_INDENT)
                y -= 2.0
            y -= para_gap
        elif isinstance(block, Table):
            y -= LEADING
            ops.append(TextOp(x, y + 4.0, block.caption, ITALIC, TABLE_SIZE))
            y -= 4.0
            edges = [x]
            for w in block.widths:
                edges.append(edges[-1] + w)
            if edges[-1] > x + width + 0.01:
                raise LayoutError(f"{label}: table is wider than the text column")
            table_top = y
            for row_index, row in enumerate((block.header, *block.rows)):
                font = BOLD if row_index == 0 else FONT
                ops.append(LineOp(edges[0], y, edges[-1], y))
                y -= TABLE_ROW_H
                for col, cell in enumerate(row):
                    if row_index > 0 and col > 0 and _is_number(cell):
                        ops.append(
                            TextOp(edges[col + 1] - 6.0, y + 5.5, cell, font, TABLE_SIZE, "right")
                        )
                    else:
                        ops.append(TextOp(edges[col] + 6.0, y + 5.5, cell, font, TABLE_SIZE))
            ops.append(LineOp(edges[0], y, edges[-1], y))
            for edge in edges:
                ops.append(LineOp(edge, table_top, edge, y))
            y -= 10.0
        else:
            col_w = (width - COL_GAP) / 2
            y_left = place(block.left, ops, x, col_w, y, label, grid=True)
            y_right = place(block.right, ops, x + col_w + COL_GAP, col_w, y, label, grid=True)
            y = min(y_left, y_right)
        if y < BODY_BOTTOM:
            raise LayoutError(f"{label}: content overflows the page by {BODY_BOTTOM - y:.0f}pt")
    return y


def title_page(report: Report) -> list[Op]:
    ops: list[Op] = []
    ops.append(LineOp(MARGIN_L, PAGE_H - 64.0, PAGE_W - MARGIN_R, PAGE_H - 64.0, 1.2))
    ops.append(TextOp(MARGIN_L, PAGE_H - 84.0, FICTION_NOTE, BOLD, 11.0))
    y = PAGE_H - 250.0
    for line in wrap(report.title, TEXT_W, BOLD, 24.0):
        ops.append(TextOp(MARGIN_L, y, line, BOLD, 24.0))
        y -= 30.0
    y -= 6.0
    for line in wrap(report.subtitle, TEXT_W, FONT, 13.0):
        ops.append(TextOp(MARGIN_L, y, line, FONT, 13.0))
        y -= 18.0
    y -= 40.0
    details = (
        ("Gemeente", report.gemeente),
        ("Jaar", str(report.year)),
        ("Uitgever", report.publisher),
        ("Rapporttype", report.report_type),
    )
    for key, value in details:
        ops.append(TextOp(MARGIN_L, y, f"{key}:", BOLD, 11.0))
        ops.append(TextOp(MARGIN_L + 90.0, y, value, FONT, 11.0))
        y -= 17.0
    ops.append(TextOp(MARGIN_L, y - 12.0, report.date_line, FONT, 11.0))
    note = (
        f"{FICTION_NOTE}. Dit rapport is verzonnen voor het demonstratiecorpus van "
        "Wijkkennis; namen, cijfers en bevindingen berusten niet op werkelijk onderzoek."
    )
    y = 110.0
    for line in wrap(note, TEXT_W, ITALIC, 9.0):
        ops.append(TextOp(MARGIN_L, y, line, ITALIC, 9.0, gray=0.3))
        y -= 12.0
    ops.append(LineOp(MARGIN_L, 64.0, PAGE_W - MARGIN_R, 64.0, 1.2))
    return ops


def page_furniture(report: Report, number: int, total: int) -> list[Op]:
    return [
        TextOp(MARGIN_L, HEADER_Y, report.running_header, FONT, SMALL_SIZE, gray=0.35),
        LineOp(MARGIN_L, HEADER_Y - 6.0, PAGE_W - MARGIN_R, HEADER_Y - 6.0, 0.4, 0.5),
        TextOp(PAGE_W / 2, FOOTER_Y, f"Pagina {number} van {total}", FONT, SMALL_SIZE, "center"),
    ]


def draw(canvas: Canvas, op: Op) -> None:
    if isinstance(op, TextOp):
        canvas.setFillGray(op.gray)
        canvas.setFont(op.font, op.size)
        if op.align == "right":
            canvas.drawRightString(op.x, op.y, op.text)
        elif op.align == "center":
            canvas.drawCentredString(op.x, op.y, op.text)
        else:
            canvas.drawString(op.x, op.y, op.text)
    else:
        canvas.setStrokeGray(op.gray)
        canvas.setLineWidth(op.width)
        canvas.line(op.x1, op.y1, op.x2, op.y2)


def render(report: Report, out_dir: Path) -> Path:
    pages: list[list[Op]] = [title_page(report)]
    for number, blocks in enumerate(report.pages, start=2):
        ops: list[Op] = []
        place(blocks, ops, MARGIN_L, TEXT_W, BODY_TOP, f"{report.file} page {number}")
        pages.append(ops)
    total = len(pages)
    path = out_dir / report.file
    canvas = Canvas(str(path), pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(report.title)
    canvas.setAuthor(report.publisher)
    canvas.setSubject(f"{FICTION_NOTE} ({report.gemeente}, {report.year})")
    canvas.setCreator("Wijkkennis corpus/make_demo.py")
    for number, ops in enumerate(pages, start=1):
        if number > 1:
            ops = [*ops, *page_furniture(report, number, total)]
        for op in ops:
            draw(canvas, op)
        canvas.showPage()
    canvas.save()
    return path


# --------------------------------------------------------------------------
# Report 1: Zwolle 2019 (rekenkameronderzoek)
# --------------------------------------------------------------------------

ZWOLLE = Report(
    file="zwolle-evaluatie-wijkteams-2019.pdf",
    title="Evaluatie sociale wijkteams Zwolle",
    subtitle="Rekenkameronderzoek naar toegang, werkdruk en samenwerking van de sociale wijkteams",
    gemeente="Zwolle",
    year=2019,
    publisher="Rekenkamer Zwolle (fictief)",
    report_type="rekenkameronderzoek",
    date_line="Zwolle, november 2019",
    running_header="Evaluatie sociale wijkteams Zwolle 2019",
    pages=(
        (
            h1("Samenvatting"),
            para(
                """De Rekenkamer Zwolle heeft onderzocht in hoeverre de sociale wijk~teams erin
                slagen inwoners tijdig, passend en in samenhang te ondersteunen. Sinds de
                decentralisaties in het sociaal domein van 2015 vormen de wijkteams de
                belangrijkste toegang tot onder~steuning op grond van de Wmo 2015 en de
                Jeugdwet. De belangrijkste bevindingen zijn:"""
            ),
            bullets(
                """de wachtlijsten bij de wijkteams zijn gegroeid en de werkdruk van de
                generalisten is hoog;""",
                """inwoners en verwijzers weten de wijkteams goed te vinden, maar de
                bereikbaarheid buiten kantoor~tijden schiet tekort;""",
                """de samenwerking met huisartsen verloopt wisselend en hangt sterk af van
                persoonlijke contacten;""",
                """de opdracht van de gemeente aan de wijkteams is breed geformuleerd en biedt
                weinig houvast bij het stellen van prioriteiten.""",
            ),
            para(
                """De rekenkamer doet vijf aanbevelingen aan het college en een aanbeveling aan
                de gemeente~raad. De kern daarvan is dat de gemeente scherper moet kiezen wat zij
                van de wijkteams verwacht, en de capaciteit van de teams daarop moet afstemmen."""
            ),
            h1("1 Inleiding"),
            h2("1.1 Aanleiding"),
            para(
                """Met de decentralisaties van 2015 zijn gemeenten verantwoordelijk geworden voor
                jeugdhulp, maatschappelijke onder~steuning en participatie. De gemeente Zwolle
                heeft ervoor gekozen de toegang tot deze ondersteuning te beleggen bij sociale
                wijk~teams, waarin generalisten van verschillende organisaties samenwerken onder
                één aansturing. In 2018 waren er acht wijkteams met in totaal 96 formatieplaatsen.
                De gemeente~raad heeft de rekenkamer gevraagd na te gaan of deze werkwijze de
                beoogde resultaten oplevert."""
            ),
            h2("1.2 Onderzoeksvragen en aanpak"),
            para(
                """De centrale onderzoeksvraag luidt: in hoeverre dragen de sociale wijkteams bij
                aan tijdige, passende en samen~hangende ondersteuning van inwoners, en welke
                verbeteringen zijn mogelijk? Om deze vraag te beantwoorden heeft de rekenkamer
                beleids~documenten en regi~stratie~gegevens geanalyseerd, 34 professionals en 12
                keten~partners geïnterviewd en een enquête uitgezet onder 418 cliënten. Het
                onderzoek is uitgevoerd in acht Zwolse wijken en beslaat de periode 2016 tot en
                met 2018."""
            ),
            para(
                """Hoofdstuk 2 beschrijft de bevindingen. In hoofdstuk 3 zetten wij de
                succes~factoren en knelpunten op een rij, hoofdstuk 4 bevat de aanbevelingen en
                hoofdstuk 5 de reactie van het college."""
            ),
        ),
        (
            h1("2 Bevindingen"),
            para(
                """In dit hoofdstuk beschrijven wij wat de rekenkamer heeft aangetroffen. Wij
                baseren ons op de registratie van de wijkteams, de interviews en de
                cliënt~enquête. Waar de bronnen elkaar tegenspreken, geven wij dat aan."""
            ),
            h2("2.1 Werkdruk en wachtlijsten"),
            para(
                """De wachtlijsten bij de sociale wijkteams zijn in de onderzoeksperiode fors
                gestegen en de werkdruk in de teams is hoog. Eind 2016 wachtten 140 huishoudens
                op een eerste gesprek met een generalist; eind 2018 waren dat er 385. Een
                generalist heeft gemiddeld 38 casussen tegelijk in behandeling, terwijl de
                gemeente bij de start van de wijkteams uitging van een caseload van 25. In de
                wijken Holtenbroek en Diezerpoort loopt de caseload op tot 45 casussen per
                fulltime generalist."""
            ),
            para(
                """Doordat de teams hun nieuwe aanmeldingen niet meer tijdig kunnen oppakken en de
                wacht|lijsten oplopen, ontstaat het risico dat problemen van inwoners verergeren
                voordat een generalist eraan toekomt. Professionals geven aan dat zij door de
                hoge caseload minder tijd hebben voor huis~bezoeken en voor het opbouwen van een
                vertrouwens~relatie. Zij ervaren de werkdruk als structureel en niet als een
                tijdelijke piek."""
            ),
            para(
                """Als oorzaken van de toegenomen werkdruk noemen de geïnterviewde professionals:"""
            ),
            bullets(
                """een toename van het aantal complexe casussen met schulden, psychische
                problemen en opvoedvragen tegelijk;""",
                """een ziekteverzuim van 7,8 procent in 2018, ruim boven het gemiddelde in de
                branche;""",
                """vacatures voor generalisten die gemiddeld vier maanden openstaan;""",
                """een registratie~systeem waarin dezelfde gegevens meermaals moeten worden
                ingevoerd.""",
            ),
            para(
                """De administratieve last is aanzienlijk. Generalisten besteden naar eigen
                schatting ruim een derde van hun werktijd aan registratie en verslag~legging.
                Een deel daarvan vloeit voort uit verant~woordings~eisen van de moeder~organisaties,
                die niet op elkaar zijn afgestemd."""
            ),
            para(
                """Een positieve uitzondering vormt het wijkteam Stadshagen. Dat team werkt
                sinds 2018 met een dagelijks triagemoment, waarin nieuwe aanmeldingen direct
                worden besproken en verdeeld. Daardoor is de wachttijd voor een eerste gesprek in
                Stadshagen teruggebracht tot gemiddeld tien werkdagen."""
            ),
        ),
        (
            h2("2.2 Toegang en samenwerking met ketenpartners"),
            cols(
                [
                    para(
                        """Uit de cliënt~enquête blijkt dat 72 procent van de respondenten het
                        wijkteam al kende voordat zij zelf hulp nodig hadden. Inwoners vinden de
                        teams vooral via de huisarts, de school van hun kinderen of het
                        wijk~centrum."""
                    ),
                    para(
                        """De telefonische bereikbaarheid is een knelpunt. Het centrale nummer is
                        alleen op werkdagen tussen 9.00 en 17.00 uur bereikbaar. Inwoners met een
                        dringende vraag buiten die tijden worden doorverwezen naar de
                        crisis~dienst, ook als er geen sprake is van een crisis."""
                    ),
                    para(
                        """Het inloop~spreekuur in de wijkcentra wordt door inwoners en
                        professionals gewaardeerd. Vooral inwoners die moeite hebben met bellen
                        of met digitale formulieren vinden daar laagdrempelig de weg naar
                        onder~steuning."""
                    ),
                    para(
                        """Ook de digitale toegang kan beter. Het contact~formulier op de
                        gemeentelijke website is lang en vraagt om gegevens die inwoners vaak
                        niet paraat hebben. Een derde van de respondenten die het formulier
                        gebruikten, heeft het niet afgemaakt."""
                    ),
                    para("In de linkerkolom eindigt het verhaal over de toegang tot het wijkteam."),
                ],
                [
                    para(
                        """De rechterkolom begint met de samenwerking met huisartsen. Huisartsen
                        en praktijk~ondersteuners zijn voor de wijkteams de belangrijkste
                        verwijzers: zij meldden in 2018 ruim 30 procent van alle nieuwe casussen
                        aan."""
                    ),
                    para(
                        """In wijken waar een generalist vast aanschuift bij het
                        multi~disciplinair overleg in de huisartsen~praktijk, verloopt de
                        samenwerking goed. Korte lijnen en een vast gezicht worden door beide
                        partijen als succes~factor genoemd."""
                    ),
                    para(
                        """Elders ervaren huisartsen het wijkteam als een gesloten systeem: zij
                        horen niet wat er met een verwijzing gebeurt. Ook de afstemming met de
                        wijk~verpleging en met Veilig Thuis verloopt nog niet overal soepel."""
                    ),
                    para(
                        """De samenwerking met scholen verloopt beter. Iedere basisschool heeft
                        een vaste contactpersoon in het wijkteam, die op afroep beschikbaar is
                        voor de intern begeleider."""
                    ),
                    para(
                        """Met de woning~corporaties zijn in 2018 afspraken gemaakt over het
                        melden van huur~achterstanden. Het is nog te vroeg om te beoordelen wat
                        deze afspraken opleveren."""
                    ),
                ],
            ),
        ),
        (
            h2("2.3 Opdracht en sturing"),
            para(
                """De opdracht van de gemeente aan de wijkteams is breed geformuleerd. De teams
                moeten individuele ondersteuning bieden, problemen vroeg signaleren en bijdragen
                aan de sociale samenhang in de wijk. In de praktijk gaat vrijwel alle capaciteit
                naar individuele casussen. Het college heeft geen keuzes gemaakt over wat de
                teams bij schaarste laten liggen, en de teams maken die keuzes nu ieder op hun
                eigen manier."""
            ),
            para(
                """De gemeente~raad ontvangt twee keer per jaar een voortgangs~rapportage. Die
                bevat vooral pro~ductie~cijfers, zoals het aantal aanmeldingen en afgegeven
                beschikkingen. Informatie over de resultaten voor inwoners ontbreekt. Daardoor
                kan de raad niet beoordelen of de wijkteams doeltreffend en doelmatig werken."""
            ),
            h1("3 Succesfactoren en knelpunten"),
            para("""Op basis van de bevindingen onderscheidt de rekenkamer de volgende
                succesfactoren:"""),
            bullets(
                "een vast aanspreekpunt van het wijkteam bij huisartsen en scholen;",
                "het dagelijkse triagemoment in Stadshagen, dat de wachttijd beperkt;",
                "laagdrempelige inloop~spreekuren in de wijkcentra.",
            ),
            para("Daartegenover staan de volgende knelpunten:"),
            bullets(
                "een caseload die structureel boven de norm van 25 casussen ligt;",
                "een beperkte telefonische bereikbaarheid buiten kantoortijden;",
                "een brede opdracht zonder prioritering;",
                "sturingsinformatie die niets zegt over de resultaten voor inwoners.",
            ),
        ),
        (
            h1("4 Aanbevelingen"),
            para("De rekenkamer doet de volgende aanbevelingen aan het college:"),
            numbered(
                """Stel een maximale caseload vast van 30 casussen per fulltime generalist en
                zorg voor voldoende formatie om die norm te halen.""",
                """Voer in alle wijken een dagelijks triage~moment in naar het voorbeeld van
                Stadshagen.""",
                """Zorg dat het wijkteam ook buiten kantoortijden telefonisch bereikbaar is voor
                niet-spoedeisende vragen, bijvoorbeeld via een gezamenlijke avonddienst.""",
                """Maak met de huisartsen~praktijken vaste afspraken over terugkoppeling na een
                verwijzing.""",
                """Bepaal samen met de gemeente~raad welke taken prioriteit hebben en welke taken
                de teams bij schaarste mogen laten liggen.""",
            ),
            para(
                """Aan de gemeenteraad beveelt de rekenkamer aan het college te vragen jaarlijks
                te rapporteren over de resultaten voor inwoners, en niet alleen over aantallen
                aanmeldingen en beschikkingen."""
            ),
            h1("5 Reactie van het college"),
            para(
                """Het college onderschrijft de conclusies en neemt de aanbevelingen over, met
                uitzondering van de avonddienst. Het college wil eerst onderzoeken hoeveel
                inwoners buiten kantoor~tijden contact zoeken, voordat het daarover een besluit
                neemt."""
            ),
            para(
                """De rekenkamer waardeert de constructieve reactie. Wij wijzen er wel op dat de
                telefonische bereikbaarheid ook in de cliënt~enquête als belangrijkste
                verbeterpunt naar voren kwam, en vragen het college de raad binnen een jaar over
                de uitkomst van zijn onderzoek te informeren."""
            ),
        ),
    ),
)

# --------------------------------------------------------------------------
# Report 2: Tilburg 2021 (evaluatie)
# --------------------------------------------------------------------------

TILBURG = Report(
    file="tilburg-evaluatie-sociale-wijkteams-2021.pdf",
    title="Evaluatie sociale wijkteams Tilburg",
    subtitle="Eindrapport van de evaluatie van de sociale wijkteams over de periode 2018–2020",
    gemeente="Tilburg",
    year=2021,
    publisher="Bureau Sociaal Onderzoek (fictief)",
    report_type="evaluatie",
    date_line="Tilburg, april 2021",
    running_header="Evaluatie sociale wijkteams Tilburg 2021",
    pages=(
        (
            h1("Samenvatting"),
            para(
                """In opdracht van de gemeente Tilburg heeft Bureau Sociaal Onderzoek de sociale
                wijk~teams geëvalueerd over de periode 2018–2020. De evaluatie gaat na hoe de
                teams samenwerken met andere organisaties, hoe de regie bij gezinnen met
                meervoudige problemen is georganiseerd en hoe lang inwoners moeten wachten."""
            ),
            para(
                """De evaluatie laat een gemengd beeld zien. De samenwerking met
                keten~partners is sinds 2018 duidelijk verbeterd, vooral met huisartsen en
                scholen. Tegelijkertijd is de regie bij multiprobleem~gezinnen nog versnipperd en
                verschillen de wachttijden sterk per wijk."""
            ),
            h1("1 Inleiding"),
            h2("1.1 Achtergrond"),
            para(
                """Tilburg werkt sinds 2015 met sociale wijk~teams die de toegang vormen tot de
                Wmo, de jeugdhulp en de schuldhulp~verlening. In 2020 waren er twaalf teams
                actief, verdeeld over de stadsdelen en de dorpen Berkel-Enschot en Udenhout. De
                teams bestaan uit medewerkers van de gemeente en van vijf maatschappelijke
                organisaties, die ieder een deel van de formatie leveren."""
            ),
            h2("1.2 Werkwijze van de evaluatie"),
            para(
                """De evaluatie combineert kwantitatieve en kwalitatieve methoden. Wij analyseerden
                de registratie~gegevens van alle meldingen in 2020, hielden zes focusgroepen met
                professionals en spraken met 41 inwoners over hun ervaringen. Daarnaast zijn
                vertegenwoordigers van huisartsen, scholen, de GGZ, de woning~corporaties en de
                politie geïnterviewd."""
            ),
            para(
                """De bevindingen in hoofdstuk 2 zijn geordend naar vier thema's: samenwerking,
                regie, wachttijden en het betrekken van het sociaal netwerk. Hoofdstuk 3 bevat de
                conclusies en hoofdstuk 4 de aanbevelingen."""
            ),
        ),
        (
            h1("2 Bevindingen"),
            h2("2.1 Samenwerking met ketenpartners"),
            para(
                """Vrijwel alle geïnterviewde organisaties zien de sociale wijkteams inmiddels als
                een vaste partner in de wijk. De afspraken met de belangrijkste keten|partners
                zijn sinds 2018 vastgelegd in convenanten, en in elk stadsdeel is een vaste
                contactpersoon voor de huisartsen aangewezen. Huisartsen noemen de korte lijnen
                en de mogelijkheid om samen een casus te bespreken als belangrijkste
                verbetering."""
            ),
            para(
                """Een duidelijke succes~factor is de wijkgerichte aanpak met scholen. Elk team
                heeft een schoolcontactpersoon die wekelijks op de basisscholen in de wijk
                aanwezig is. Daardoor komen signalen over kinderen en gezinnen eerder bij het
                wijkteam terecht."""
            ),
            para(
                """De samenwerking met de specialistische GGZ is een blijvend knelpunt.
                Wijkteams lopen aan tegen lange wachttijden voor behandeling en tegen een gebrek
                aan consultatie~mogelijkheden. Ook de warme overdracht na een opname in een
                kliniek verloopt vaak moeizaam, waardoor inwoners tussen wal en schip raken."""
            ),
            para(
                """Met de woning~corporaties bestaan goede afspraken over het vroeg signaleren
                van huur~achterstanden. Politie en wijkteam wisselen daarentegen nog te weinig
                informatie uit, mede door onduidelijkheid over de privacy~regels."""
            ),
            h2("2.2 Eén gezin, één plan, één regisseur"),
            para(
                """Het uitgangspunt in Tilburg is dat ieder huishouden met meerdere hulpvragen één
                regisseur en één plan heeft. In de praktijk is dat in 58 procent van de
                onderzochte multiprobleemgezinnen gerealiseerd."""
            ),
            para(
                """Bij de overige gezinnen zijn meerdere hulp~verleners betrokken zonder dat
                duidelijk is wie de regie voert. Vooral bij gezinnen waar ook jeugd~bescherming of
                de reclassering betrokken is, ontbreekt een gezamenlijk plan. Gezinnen moeten hun
                verhaal daardoor herhaaldelijk vertellen, en afspraken van de ene hulpverlener
                doorkruisen die van de andere."""
            ),
        ),
        (
            h2("2.3 Meldingen en wachttijden per wijk"),
            para(
                """In 2020 ontvingen de wijkteams samen 1.054 meldingen in de vijf wijken die in
                de evaluatie zijn onderzocht. Tabel 1 toont per wijk het aantal meldingen en de
                gemiddelde wachttijd tussen de melding en het eerste gesprek."""
            ),
            Table(
                caption="Tabel 1. Meldingen en gemiddelde wachttijd per wijk, 2020",
                header=("Wijk", "Aantal meldingen", "Gemiddelde wachttijd (weken)"),
                rows=(
                    ("Reeshof", "312", "6"),
                    ("Noord", "287", "8"),
                    ("Oud-Zuid", "205", "5"),
                    ("Centrum", "154", "4"),
                    ("Berkel-Enschot", "96", "3"),
                ),
                widths=(130.0, 120.0, 175.0),
            ),
            para(
                """De verschillen tussen de wijken zijn groot. In de wijk Noord is de gemiddelde
                wachttijd met acht weken het langst, terwijl inwoners van Berkel-Enschot
                gemiddeld drie weken wachten. De verschillen hangen samen met de zwaarte van de
                problematiek en met de bezetting van de teams: in Noord stonden in 2020
                gemiddeld drie vacatures open."""
            ),
            h2("2.4 Het sociaal netwerk van inwoners"),
            para(
                """De wijkteams vragen bij iedere aanmelding naar het sociaal netwerk van de
                inwoner. Professionals geven aan dat het lastig is om dat netwerk daadwerkelijk
                in te zetten. Familie woont vaak ver weg of is zelf overbelast, en inwoners
                schamen zich om hulp te vragen aan buren of vrienden."""
            ),
            para(
                """Waar het wel lukt, is de winst groot. In de Reeshof werkt het wijkteam samen
                met een vrijwilligers~organisatie die maatjes koppelt aan inwoners met een klein
                netwerk. Van de 64 inwoners die in 2020 een maatje kregen, hadden er na een jaar
                49 geen professionele begeleiding meer nodig."""
            ),
        ),
        (
            h1("3 Conclusies"),
            para(
                """De sociale wijkteams in Tilburg hebben zich ontwikkeld tot een herkenbare en
                gewaardeerde partner in de wijken. De samen~werking met huisartsen en scholen is
                een duidelijke sterkte. Knelpunten zijn de versnipperde regie bij
                multiprobleem~gezinnen, de aansluiting op de specialistische GGZ en de grote
                verschillen in wachttijd tussen de wijken."""
            ),
            para(
                """De gemeente stuurt nog weinig op de resultaten van de teams. Er is geen vaste
                set indicatoren, en de ervaringen van cliënten worden niet systematisch
                verzameld. Daardoor blijft onduidelijk welke aanpak in welke wijk het beste
                werkt, en kunnen de teams moeilijk van elkaar leren."""
            ),
            h1("4 Aanbevelingen"),
            para("Wij doen de gemeente Tilburg de volgende aanbevelingen:"),
            numbered(
                """Wijs bij ieder huishouden met meerdere hulpvragen binnen vier weken één
                regisseur aan en leg dat vast in het gezins~plan.""",
                """Maak met de specialistische GGZ afspraken over consultatie en over een warme
                overdracht na opname.""",
                """Verdeel de formatie over de wijken op basis van het aantal meldingen en de
                zwaarte van de problematiek, zodat de wachttijd in Noord daalt.""",
                """Breid de samenwerking met maatjes~projecten uit naar alle wijken.""",
                """Ontwikkel samen met de teams een beperkte set indicatoren en verzamel jaarlijks
                de ervaringen van cliënten, zodat de teams van elkaar kunnen leren.""",
            ),
        ),
    ),
)

# --------------------------------------------------------------------------
# Report 3: Geldermalsen 2017 (evaluatie by the gemeente itself)
# --------------------------------------------------------------------------

GELDERMALSEN = Report(
    file="geldermalsen-evaluatie-sociaal-team-2017.pdf",
    title="Evaluatie sociaal team Geldermalsen",
    subtitle="Twee jaar integrale toegang in de kernen van Geldermalsen",
    gemeente="Geldermalsen",
    year=2017,
    publisher="Gemeente Geldermalsen",
    report_type="evaluatie",
    date_line="Geldermalsen, juni 2017",
    running_header="Evaluatie sociaal team Geldermalsen 2017",
    pages=(
        (
            h1("1 Inleiding"),
            h2("1.1 Aanleiding"),
            para(
                """Sinds 1 januari 2015 is het sociaal team de plek waar inwoners van de gemeente
                Geldermalsen terecht kunnen met vragen over zorg, onder~steuning, opvoeden en
                opgroeien, werk en inkomen. Bij de start heeft de gemeente~raad gevraagd om na
                twee jaar te evalueren hoe het sociaal team functioneert. Dit rapport geeft
                invulling aan die toezegging."""
            ),
            para(
                """De gemeente Geldermalsen telt circa 26.500 inwoners, verdeeld over elf kernen.
                Het sociaal team bestaat uit veertien medewerkers met een achtergrond in het
                maatschappelijk werk, de jeugdzorg, de wijk~verpleging en de Wmo-consulentfunctie.
                Het team werkt vanuit het gemeente~huis in Geldermalsen en houdt spreekuren in
                Beesd en Meteren."""
            ),
            h2("1.2 Opzet van de evaluatie"),
            para(
                """De evaluatie is uitgevoerd door de afdeling Samenleving, met ondersteuning van
                een externe begeleidings~commissie. Wij hebben dossier~onderzoek gedaan bij 60
                huishoudens, een digitale vragenlijst uitgezet onder inwoners die in 2016 contact
                hadden met het team, en gesprekken gevoerd met de teamleden, de Wmo-raad en
                negen samenwerkings~partners."""
            ),
            para("De evaluatie beantwoordt drie vragen:"),
            bullets(
                "Hoe benut het sociaal team de eigen kracht en het netwerk van inwoners?",
                """Heeft het team voldoende ruimte voor maatwerk en de bevoegdheid om zelf te
                beslissen?""",
                "Weten inwoners in alle kernen het team te vinden?",
            ),
            para(
                """Met het oog op de herindeling met Lingewaal en Neerijnen per 1 januari 2019 is
                ook gekeken welke elementen van de werkwijze behouden moeten blijven in de nieuwe
                gemeente."""
            ),
        ),
        (
            h1("2 Bevindingen"),
            h2("2.1 Eigen kracht en sociaal netwerk"),
            para(
                """Het sociaal team werkt volgens de methode van het keukentafel~gesprek. In dat
                gesprek wordt eerst besproken wat de inwoner zelf kan en wie in de omgeving kan
                helpen, en pas daarna welke professionele onder~steuning nodig is."""
            ),
            para(
                """Uit het dossieronderzoek blijkt dat in 41 van de 60 dossiers het sociaal
                netwerk aantoonbaar is betrokken bij de oplossing. Vooral in de kleinere kernen,
                waar mensen elkaar kennen, nemen buren en familieleden taken op zich, zoals
                boodschappen doen of vervoer naar het ziekenhuis."""
            ),
            para(
                """Tegelijk staan mantel~zorgers in Geldermalsen onder druk. Een kwart van de
                mantelzorgers die de vragenlijst invulden, voelt zich zwaar belast. Het sociaal
                team heeft weinig zicht op deze groep, omdat de ondersteuning van mantel~zorgers
                is belegd bij een apart steunpunt."""
            ),
            para(
                """De samen~werking met de vrijwilligers~centrale en de kerken in de kernen wordt
                door het team als waardevol ervaren. Vrijwilligers bieden onder meer hulp bij de
                thuis~administratie en gaan als maatje mee naar afspraken."""
            ),
            h2("2.2 Maatwerk en mandaat"),
            para(
                """Sinds 1 januari 2016 mag het sociaal team zelf beschikkingen afgeven voor
                huishoudelijke hulp, begeleiding en hulpmiddelen tot een bedrag van 10.000 euro.
                Daarvoor liep elke aanvraag via de afdeling Samenleving in het gemeentehuis."""
            ),
            para(
                """Het mandaat heeft de doorlooptijd van aanvragen sterk verkort, van gemiddeld
                zeven naar drie weken. Teamleden ervaren meer ruimte om af te wijken van
                standaard~oplossingen als de situatie daarom vraagt."""
            ),
            para(
                """Er zijn echter nog geen afspraken over wanneer afwijken van de beleids~regels
                gerechtvaardigd is. Daardoor beslissen teamleden in vergelijkbare situaties soms
                verschillend, wat vragen oproept over de rechts~gelijkheid van inwoners."""
            ),
        ),
        (
            h2("2.3 Bekendheid in de kernen"),
            para(
                """De bekendheid van het sociaal team verschilt sterk per kern. In Geldermalsen
                en Beesd kent ruim twee derde van de respondenten het team, in de kleinste
                kernen, zoals Rhenoy en Gellicum, minder dan een derde. Inwoners van die kernen
                zoeken vaker eerst hulp bij de huisarts of bij de dominee."""
            ),
            para(
                """De spreekuren in Beesd en Meteren worden goed bezocht. Het team heeft
                daarnaast goede erva~ringen met een vaste contact~persoon per kern, die aansluit
                bij de dorpsraad en bekend is bij de huisartsen~praktijk."""
            ),
            h2("2.4 De opdracht aan het sociaal team"),
            para(
                """Het team heeft bij de start een ruime opdracht gekregen: alle vragen op het
                gebied van zorg, welzijn, jeugd, werk en inkomen. In de praktijk komen steeds
                meer vragen over schulden en werk~loosheid bij het team terecht, terwijl de
                expertise daarvoor beperkt is. Teamleden vragen om dui~delijker af te bakenen
                welke vragen zij zelf oppakken en welke zij doorverwijzen."""
            ),
            h1("3 Conclusies"),
            para(
                """Het sociaal team is in twee jaar uitgegroeid tot een herkenbare toegang voor
                inwoners van Geldermalsen. Het team benut de eigen kracht en het netwerk van
                inwoners goed, en werkt dankzij het mandaat snel en op maat. Aandachts~punten
                zijn de bekendheid in de kleinste kernen, de positie van overbelaste
                mantelzorgers en de afbakening van de opdracht."""
            ),
        ),
        (
            h1("4 Aanbevelingen"),
            para("Op basis van deze evaluatie bevelen wij het volgende aan:"),
            numbered(
                """Leg in een werkinstructie vast in welke situaties het team mag afwijken van de
                beleidsregels, en bespreek afwijkingen maandelijks in een
                casuïstiek~overleg.""",
                """Versterk de samenwerking met het steunpunt mantelzorg, zodat overbelaste
                mantelzorgers eerder in beeld komen.""",
                "Breid het werken met een vaste contactpersoon per kern uit naar alle elf kernen.",
                """Baken de opdracht af: vragen over schulden en werk worden in eerste instantie
                opgepakt door de specialisten van de afdeling Werk en Inkomen.""",
                """Neem de werkwijze met het keukentafel~gesprek en het mandaat mee als
                uitgangspunt bij de inrichting van de toegang in de nieuwe gemeente per
                2019.""",
            ),
            h2("Bijlage: gesprekspartners"),
            para("Voor deze evaluatie is gesproken met:"),
            bullets(
                "de veertien medewerkers van het sociaal team;",
                "de Wmo-raad Geldermalsen;",
                "twee huisartsenpraktijken, in Geldermalsen en in Beesd;",
                "het steunpunt mantelzorg en de vrijwilligerscentrale;",
                "de wijkverpleging, het consultatiebureau en twee basisscholen;",
                "de wijkagenten en een woningcorporatie.",
            ),
        ),
    ),
)

# --------------------------------------------------------------------------
# Report 4: Súdwest-Fryslân 2022 (monitor)
# --------------------------------------------------------------------------

SUDWEST_FRYSLAN = Report(
    file="sudwest-fryslan-monitor-gebiedsteams-2022.pdf",
    title="Monitor gebiedsteams Súdwest-Fryslân",
    subtitle="Resultaten over 2021: bereik, preventie en ervaringen van inwoners",
    gemeente="Súdwest-Fryslân",
    year=2022,
    publisher="Onderzoeksbureau Noord (fictief)",
    report_type="monitor",
    date_line="Sneek, mei 2022",
    running_header="Monitor gebiedsteams Súdwest-Fryslân 2022",
    pages=(
        (
            h1("1 Inleiding"),
            para(
                """Súdwest-Fryslân is met ruim 90.000 inwoners en 89 steden en dorpen een
                uitgestrekte platte~lands~gemeente. De gemeente werkt sinds 2015 met vijf
                gebiedsteams, die de toegang vormen tot de Wmo, de jeugdhulp en de
                participatie~voorzieningen. Deze monitor verschijnt jaarlijks en be~schrijft de
                resultaten van de gebiedsteams over het voorgaande jaar."""
            ),
            para(
                """De monitor is gebaseerd op de registratie van de gebieds~teams, het
                cliënt~ervaringsonderzoek over 2021 en gesprekken met de vijf teamleiders. Nieuw
                in deze editie is een hoofdstuk over pre~ventie en vroeg~signalering, op verzoek
                van de gemeente~raad."""
            ),
            h2("1.1 Leeswijzer"),
            para(
                """Hoofdstuk 2 gaat over het bereik en de bereikbaarheid van de teams. Hoofdstuk
                3 beschrijft de inzet op preventie. Hoofdstuk 4 bevat de ervaringen van inwoners
                en de manier waarop de teams daarvan leren. In hoofdstuk 5 staan de
                aanbevelingen."""
            ),
            h2("1.2 Kerncijfers 2021"),
            bullets(
                "4.812 inwoners ontvingen ondersteuning van een gebiedsteam (2020: 4.530).",
                "Cliënten gaven de ondersteuning gemiddeld het rapportcijfer 7,4.",
                "23 procent van de nieuwe hulpvragen kwam binnen via vroegsignalering.",
                "De gemiddelde doorlooptijd van melding tot beschikking bedroeg 5,2 weken.",
            ),
        ),
        (
            h1("2 Bereik en bereikbaarheid"),
            para(
                """Het aantal inwoners dat ondersteuning ontvangt van een gebiedsteam is in 2021
                met ruim 6 procent gestegen. De stijging doet zich vooral voor in het gebied
                Sneek en bij jongeren tussen 12 en 18 jaar. In de dorpen aan de IJsselmeerkust
                bleef het aantal cliënten vrijwel gelijk."""
            ),
            para(
                """De bereikbaarheid van de gebiedsteams is in de dorpen een blijvend
                aandachts~punt. Inwoners van dorpen als Stavoren, Witmarsum en Wommels moeten
                voor een gesprek vaak naar Sneek of Bolsward reizen, terwijl het openbaar vervoer
                beperkt is. Voor ouderen zonder eigen vervoer is dat een flinke drempel."""
            ),
            para(
                """Sinds het voorjaar van 2021 houden de gebiedsteams wekelijks spreekuur in zes
                dorpshuizen. Deze dorpsspreekuren zijn samen met de dorpsbelangen georganiseerd
                en werden in 2021 ruim 900 keer bezocht. Medewerkers spreken daar ook Fries, wat
                door oudere inwoners zeer wordt gewaardeerd."""
            ),
            para(
                """Het outreachend werken staat onder druk. Door de toegenomen vraag gaan
                medewerkers minder vaak zelf op huisbezoek bij signalen van buren of van de
                dorps~ondersteuner, terwijl juist die vorm van contact inwoners bereikt die zelf
                niet om hulp vragen. De teamleiders noemen de werkdruk als belangrijkste
                oorzaak."""
            ),
            para("De teamleiders zien drie redenen voor de toegenomen vraag:"),
            bullets(
                "meer jongeren met psychische klachten na de coronaperiode;",
                "een groeiend aantal alleenstaande ouderen in de kleinere dorpen;",
                "stijgende energie~kosten, die vooral huishoudens met een laag inkomen raken.",
            ),
        ),
        (
            h1("3 Preventie en vroegsignalering"),
            para(
                """De gemeenteraad heeft in 2020 besloten dat de gebiedsteams meer moeten
                inzetten op preventie. Het doel is dat problemen eerder in beeld komen, zodat
                lichtere ondersteuning volstaat en zwaardere zorg kan worden voorkomen."""
            ),
            para(
                """De aanpak van vroeg~signalering bij betalings~achterstanden werpt vruchten af.
                Woningcorporaties, energie~leveranciers en zorgverzekeraars melden achterstanden
                bij de gemeente, waarna een medewerker binnen twee weken contact opneemt. In 2021
                leidde dat tot 612 huisbezoeken. Bij 41 procent van de bezochte huishoudens was
                lichte onder~steuning voldoende om verdere schulden te voorkomen."""
            ),
            para(
                """Tegelijk blijft de tijd voor preventie beperkt. Teamleiders schatten dat
                medewerkers ongeveer 10 procent van hun tijd besteden aan preventieve
                activiteiten, terwijl de gemeente uitging van 20 procent. De individuele
                hulpvragen gaan in de praktijk voor."""
            ),
            para("Als preventieve activiteiten in 2021 noemen de teams onder meer:"),
            bullets(
                "opvoed~cafés op basisscholen in Sneek, Bolsward en Workum;",
                """een valpreventie~programma voor ouderen, in samenwerking met
                fysiotherapeuten;""",
                "voorlichting over eenzaamheid in dorpshuizen, samen met de ouderen~bonden;",
                """het project Mienskip Helpt, waarin vrijwilligers in het dorp een oogje in het
                zeil houden bij kwetsbare inwoners.""",
            ),
            para(
                """De samenwerking met het voorliggend veld is in de steden beter ontwikkeld dan
                in de dorpen. In verschillende dorpen ontbreekt een welzijns~organisatie of
                dorps~ondersteuner die signalen kan doorgeven aan het gebiedsteam."""
            ),
        ),
        (
            h1("4 Ervaringen van inwoners en leren"),
            para(
                """Het cliënt~ervaringsonderzoek over 2021 is ingevuld door 1.106 inwoners, een
                respons van 34 procent. Cliënten geven de ondersteuning gemiddeld een 7,4. Zij
                zijn het meest tevreden over de bejegening en het minst over de tijd tot het
                eerste gesprek."""
            ),
            para(
                """De gebieds~teams bespreken de uitkomsten van de monitor sinds 2021 twee keer
                per jaar in een leersessie met de beleids~adviseurs van de gemeente. Teams
                noemen deze sessies nuttig om van elkaar te leren en om knelpunten in het beleid
                zichtbaar te maken."""
            ),
            para(
                """De indicatoren in de monitor zeggen nog weinig over het effect van de
                ondersteuning. Of inwoners na afloop zelfredzamer zijn, wordt niet gemeten. Ook
                is de registratie tussen de teams niet uniform, waardoor vergelijkingen tussen
                gebieden met voorzichtigheid moeten worden ge~maakt."""
            ),
            h1("5 Aanbevelingen"),
            numbered(
                """Neem in de monitor van 2022 een indicator op voor de zelfredzaamheid van
                inwoners bij de start en aan het einde van de ondersteuning.""",
                "Maak de registratie~afspraken tussen de vijf gebieds~teams uniform.",
                """Reserveer in de formatie expliciet tijd voor preventie en outreachend werken,
                en volg of de norm van 20 procent wordt gehaald.""",
                """Breid de dorpsspreekuren uit naar dorpen zonder dorpshuis, bijvoorbeeld met
                een mobiel spreekuur.""",
            ),
        ),
    ),
)

# --------------------------------------------------------------------------
# Report 5: Apeldoorn 2023 (rekenkamerbrief)
# --------------------------------------------------------------------------

APELDOORN = Report(
    file="apeldoorn-rekenkamerbrief-wijkteams-2023.pdf",
    title="Rekenkamerbrief sociale wijkteams Apeldoorn",
    subtitle="Doelmatigheid en sturing van de sociale wijkteams",
    gemeente="Apeldoorn",
    year=2023,
    publisher="Rekenkamercommissie Apeldoorn (fictief)",
    report_type="rekenkamerbrief",
    date_line="Apeldoorn, 14 september 2023",
    running_header="Rekenkamerbrief wijkteams Apeldoorn 2023",
    pages=(
        (
            para("Aan de gemeenteraad van Apeldoorn"),
            para("Geachte leden van de raad,"),
            para(
                """Met deze rekenkamer~brief informeren wij u over ons onderzoek naar de
                doelmatigheid van de sociale wijkteams in Apeldoorn. Wij hebben voor een brief
                gekozen omdat het onderzoek beperkt van omvang was, en omdat de raad in het
                najaar van 2023 besluit over de nieuwe opdracht voor de toegang in het sociaal
                domein."""
            ),
            h1("1 Aanleiding en vraagstelling"),
            para(
                """De uitgaven aan de sociale wijkteams zijn sinds 2020 gestegen, terwijl het
                aantal cliënten slechts beperkt toenam. Verschillende fracties hebben gevraagd
                waar die stijging vandaan komt en of de teams hun middelen doelmatig inzetten.
                De rekenkamer~commissie heeft daarom de volgende vraag onderzocht: in hoeverre
                zet de gemeente Apeldoorn de middelen voor de sociale wijkteams doelmatig in, en
                hoe kan de raad daarop sturen?"""
            ),
            h2("1.1 Aanpak"),
            para(
                """Wij hebben de begrotingen en jaarrekeningen over 2020 tot en met 2022
                geanalyseerd, de subsi~die~afspraken met de uitvoerende organisatie bestudeerd en
                gesprekken gevoerd met be~leids~medewerkers, de directie van de wijkteams en acht
                generalisten. Het onderzoek is uitge~voerd tussen maart en juni 2023."""
            ),
        ),
        (
            h1("2 Bevindingen"),
            h2("2.1 Kosten en bereik"),
            para(
                """Tabel 1 toont het budget van de sociale wijkteams, het aantal cliënten en de
                gemiddelde kosten per cliënt in de jaren 2020 tot en met 2022."""
            ),
            Table(
                caption="Tabel 1. Budget, cliënten en kosten per cliënt, 2020–2022",
                header=("Jaar", "Budget (mln euro)", "Aantal cliënten", "Kosten per cliënt (euro)"),
                rows=(
                    ("2020", "14,2", "6.950", "2.043"),
                    ("2021", "15,1", "7.310", "2.066"),
                    ("2022", "16,4", "7.480", "2.193"),
                ),
                widths=(70.0, 115.0, 110.0, 145.0),
            ),
            para(
                """Het budget van de wijkteams is tussen 2020 en 2022 met ruim 15 procent
                gestegen, terwijl het aantal cliënten met bijna 8 procent toenam. De kosten per
                cliënt stegen daardoor van 2.043 euro naar 2.193 euro. De stijging komt vooral
                door hogere loonkosten en door de inzet van inhuur~personeel om vacatures op te
                vullen."""
            ),
            para(
                """Of de hogere uitgaven tot betere resultaten leiden, is niet vast te stellen. De
                gemeente meet vooral aantallen: meldingen, gesprekken en beschikkingen. Gegevens
                over het bereiken van de doelen in het ondersteunings~plan worden wel vastgelegd,
                maar niet geanalyseerd."""
            ),
            h2("2.2 Mandaat en maatwerk"),
            para(
                """Generalisten in Apeldoorn hebben een ruim mandaat. Zij kunnen zelf lichte
                ondersteuning inzetten zonder beschikking, en voor maatwerk~voorzieningen tot
                15.000 euro per jaar volstaat de handtekening van één collega. Volgens de
                geïnterviewden voorkomt dit onnodige bureaucratie, en sluit de onder~steuning
                beter aan op de situatie van de inwoner."""
            ),
            para(
                """De keerzijde is dat de gemeente weinig zicht heeft op de afwegingen achter deze
                besluiten. Er is geen periodieke toets op de onderbouwing, en
                budget~overschrijdingen worden pas achteraf zicht~baar."""
            ),
        ),
        (
            h2("2.3 Sturing door de raad"),
            para(
                """De opdracht aan de wijkteams is sinds 2020 uitgebreid met taken op het gebied
                van schulden, wonen en de begeleiding van statushouders, zonder dat de raad
                daarover expliciet heeft besloten. De raad krijgt in de jaarstukken vooral
                financiële informatie en kan daardoor moeilijk sturen op de inhoud van het
                werk."""
            ),
            h1("3 Conclusies en aanbevelingen"),
            para(
                """De rekenkamer~commissie concludeert dat de gemeente Apeldoorn onvoldoende kan
                aantonen dat de middelen voor de sociale wijkteams doelmatig worden ingezet. Het
                ruime mandaat van de generalisten is een sterk punt, maar gaat niet gepaard met
                voldoende verantwoording."""
            ),
            para("Wij bevelen de raad aan het college te verzoeken:"),
            numbered(
                """jaarlijks te rapporteren over de resultaten van de ondersteuning, gemeten aan
                de doelen in de ondersteunings~plannen;""",
                """een steekproefsgewijze toets in te voeren op de onderbouwing van
                maatwerkbesluiten boven 5.000 euro;""",
                """uitbreidingen van de opdracht aan de wijkteams vooraf aan de raad voor te
                leggen, met een raming van de benodigde formatie;""",
                """in de nieuwe opdracht voor de toegang prestatie~afspraken op te nemen over
                kosten per cliënt en wachttijden.""",
            ),
            para(
                """Wij vertrouwen erop u hiermee voldoende te hebben geïnformeerd en zijn graag
                bereid deze brief in een commissie~vergadering toe te lichten."""
            ),
            para("Met vriendelijke groet,"),
            para("Rekenkamercommissie Apeldoorn (fictief)"),
        ),
    ),
)

REPORTS: tuple[Report, ...] = (ZWOLLE, TILBURG, GELDERMALSEN, SUDWEST_FRYSLAN, APELDOORN)

MANIFEST_FIELDS = ("file", "title", "gemeente", "year", "publisher", "report_type")


def write_manifest(reports: tuple[Report, ...], out_dir: Path) -> Path:
    path = out_dir / "manifest.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(MANIFEST_FIELDS)
        for report in reports:
            writer.writerow(
                (
                    report.file,
                    report.title,
                    report.gemeente,
                    report.year,
                    report.publisher,
                    report.report_type,
                )
            )
    return path


def main() -> None:
    for report in REPORTS:
        path = render(report, OUT_DIR)
        print(f"wrote {path.relative_to(OUT_DIR.parent)} ({len(report.pages) + 1} pages)")
    print(f"wrote {write_manifest(REPORTS, OUT_DIR).relative_to(OUT_DIR.parent)}")


if __name__ == "__main__":
    main()
