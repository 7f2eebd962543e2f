"""Invented articles of one event in English and German, and an unrelated German one:
the cross-lingual tests' corpus (no real data, so no ../shared needed)."""

from __future__ import annotations

ARTICLES = [
    {
        "url": "https://coastline.example/2026/03/02/flood-barrier-fails",
        "source": "Coastline Times",
        "lang": "en",
        "published": "2026-03-02T08:00:00Z",
        "title": "Flood barrier fails as storm surge swamps the port city of Ostmar",
        "text": "A flood barrier protecting the port city of Ostmar failed overnight when a "
        "storm surge pushed seawater into the old harbour district. About 4,000 residents "
        "were evacuated and the city's mayor said the barrier's gates had jammed. Engineers "
        "are checking whether a power cut stopped the pumps.",
    },
    {
        "url": "https://globalwire.example/2026/03/02/ostmar-evacuation",
        "source": "Global Wire",
        "lang": "en",
        "published": "2026-03-02T10:30:00Z",
        "title": "Thousands evacuated after storm surge breaches Ostmar sea defences",
        "text": "Thousands of people left their homes in Ostmar after a storm surge broke "
        "through the harbour's flood barrier. Officials said the barrier gates jammed and "
        "the pumps lost power. Seawater flooded streets in the old harbour district.",
    },
    {
        "url": "https://nordkurier.example/2026/03/02/sturmflut-sperrwerk",
        "source": "Nordkurier",
        "lang": "de",
        "published": "2026-03-02T12:00:00Z",
        "title": "Sturmflut: Sperrwerk versagt, Tausende verlassen ihre Wohnungen",
        "text": "In der Hafenstadt Ostmar hat eine Sturmflut das Sperrwerk überwunden. "
        "Rund 4.000 Bewohner der Altstadt am Hafen wurden in Sicherheit gebracht. Die Tore "
        "des Sperrwerks klemmten, nachdem die Pumpen ohne Strom waren, sagte der "
        "Bürgermeister. Meerwasser überflutete die Straßen.",
    },
    {
        "url": "https://nordkurier.example/2026/03/02/orchester-tournee",
        "source": "Nordkurier",
        "lang": "de",
        "published": "2026-03-02T13:00:00Z",
        "title": "Kammerorchester kündigt Tournee durch Skandinavien an",
        "text": "Das städtische Kammerorchester geht im Sommer auf Tournee durch "
        "Skandinavien. Geplant sind zwölf Konzerte in Norwegen, Schweden und Dänemark, "
        "mit Werken von Grieg und Sibelius. Der Vorverkauf beginnt im April.",
    },
]
