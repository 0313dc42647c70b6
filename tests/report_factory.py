"""A whole report as a real PDF (reportlab via ``pdf_factory``): cover, colofon, table of contents
with dot leaders, a two-page summary, chapters, an appendix that starts mid-page and a reference
list. Shared by the page-role tests of the pipeline and of the index."""

from __future__ import annotations

from pathlib import Path

from pdf_factory import write_pdf

COVER_TITLE = "Wachtlijsten en werkdruk in de sociale wijkteams van Woerden"

# Page numbers (1-based) and the role each must get.
EXPECTED_ROLES = {
    1: "cover", 2: "colofon", 3: "inhoud", 4: "samenvatting", 5: "samenvatting", 6: "body", 7: "body", 8: "body",
    9: "literatuur",
}


def _prose(*sentences: str) -> list[str]:
    """Sentences broken into lines that fit the page."""
    lines, line = [], ""
    for word in " ".join(sentences).split():
        if len(line) + len(word) + 1 > 88:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line]


def report_pages() -> list[list[str]]:
    return [
        # 1 cover: title, gemeente, publisher, date
        [f"# {COVER_TITLE}", "", "Gemeente Woerden", "Bureau Onderzoek en Statistiek", "24 oktober 2017"],
        # 2 colofon
        ["# Colofon", "Uitgave: Gemeente Woerden", "Opdrachtgever: college van burgemeester en wethouders",
         "Auteurs: J. de Vries en A. Bakker", "Vormgeving: Studio Grafisch Woerden", "ISBN 978-90-1234-567-8",
         "© 2017 Gemeente Woerden"],
        # 3 table of contents with dot leaders
        ["# Inhoudsopgave", "Samenvatting " + "." * 60 + " 4", "1 Inleiding " + "." * 62 + " 6",
         "2 Wachtlijsten en werkdruk " + "." * 48 + " 7", "3 Samenwerking " + "." * 58 + " 8",
         "Bijlage 1 Respondenten " + "." * 51 + " 8", "Literatuur " + "." * 63 + " 9"],
        # 4-5 summary over two pages
        ["# Samenvatting", *_prose(
            "De sociale wijkteams in Woerden zijn in 2015 gestart en worden door inwoners goed gevonden.",
            "Wel zijn de wachtlijsten in twee wijken opgelopen tot meer dan acht weken en ervaren de medewerkers een hoge werkdruk.",
            "De gemeente wil weten hoe de teams hun werk beter kunnen organiseren.")],
        _prose("Het onderzoek laat zien dat de samenwerking met huisartsen en scholen is verbeterd.",
               "De teams vragen om meer ruimte om zelf te beslissen over lichte ondersteuning zonder indicatie."),
        # 6-8 chapters
        ["# 1 Inleiding", *_prose(
            "In dit rapport beschrijven wij de evaluatie van de sociale wijkteams in de gemeente Woerden.",
            "Wij hebben twintig medewerkers en tien ketenpartners geïnterviewd en de registratie van meldingen geanalyseerd.")],
        ["# 2 Wachtlijsten en werkdruk", *_prose(
            "De wachtlijsten bij de wijkteams zijn in 2017 gegroeid doordat het aantal meldingen sterk is toegenomen.",
            "Medewerkers ervaren een hoge werkdruk: zij hebben gemiddeld veertig gezinnen in hun caseload en weinig tijd voor overleg.",
            "Een knelpunt is dat inwoners met een lichte vraag lang moeten wachten op een eerste gesprek.")],
        ["# 3 Samenwerking", *_prose(
            "De samenwerking met de huisartsen is het afgelopen jaar verbeterd omdat er vaste contactpersonen zijn.",
            "Scholen weten het wijkteam beter te vinden dan bij de start van de teams.",
            "Met de jeugdgezondheidszorg en de woningcorporaties zijn afspraken gemaakt over het delen van signalen,",
            "maar die afspraken zijn nog niet bij alle medewerkers bekend."),
         "# Bijlage 1 Respondenten", *_prose(
            "Geïnterviewd zijn medewerkers van de wijkteams, huisartsen en intern begeleiders van scholen.")],
        # 9 reference list
        ["# Literatuur",
         "Bakker, J. (2016). Sociale wijkteams in beeld. Utrecht: Movisie.",
         "Vries, A. de & Jansen, P. (2015). De toegang tot het sociaal domein. Den Haag: SCP.",
         "Verwey-Jonker Instituut (2017). Evaluatie van de wijkteams in Woerden. Utrecht.",
         "Gemeente Woerden (2014). Beleidsplan sociaal domein 2015-2018. Woerden."],
    ]


def write_report(path: Path) -> Path:
    return write_pdf(path, report_pages(), header="Evaluatie sociale wijkteams Woerden 2017")
