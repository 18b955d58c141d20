"""Demo content of our own: invented companies, people and events, composed from parts.

Nothing here is copied from a real publication; every name is made up.
"""

import random

SECTIONS = [
    ("News", "news", "The day's technology stories, reported and checked."),
    ("Chips", "chips", "Semiconductors: the fabs, the designs and the supply chains behind them."),
    ("AI", "ai", "Machine learning in labs, products and courts."),
    ("Policy", "policy", "Regulation, trade and the law as they meet technology."),
    ("Science", "science", "Research from the bench to the launch pad."),
    ("Gadgets", "gadgets", "Phones, laptops and everything else we carry, reviewed."),
]

# name, slug, job title, bio, handles [(kind, value)], portrait seed
AUTHORS = [
    (
        "Mara Lindqvist",
        "mara-lindqvist",
        "Senior chips reporter",
        "<p>Mara (@maralindqvist) writes about chips and the factories that make them. "
        "She can be reached at mara.lindqvist@example.com.</p>",
        [
            ("x", "@maralindqvist"),
            ("email", "mara.lindqvist@example.com"),
            ("bluesky", "maralindqvist.bsky.social"),
        ],
    ),
    (
        "Tomasz Okafor",
        "tomasz-okafor",
        "AI correspondent",
        "<p>Tomasz covers machine learning research and the companies that sell it. "
        "He previously wrote code for a living.</p>",
        [
            ("mastodon", "@tokafor@mastodon.example"),
            ("email", "tomasz.okafor@example.com"),
            ("website", "https://tomasz.example.org/"),
        ],
    ),
    (
        "Priya Raman",
        "priya-raman",
        "Policy editor",
        "<p>Priya edits our policy coverage, from export rules to antitrust. "
        "Tips: <em>priya.raman@example.com</em>.</p>",
        [
            ("email", "priya.raman@example.com"),
            ("linkedin", "https://www.linkedin.com/in/priya-raman-news/"),
        ],
    ),
    (
        "Jonah Whitfield",
        "jonah-whitfield",
        "Gadgets reviewer",
        "<p>Jonah (@jonahreviews) has broken more phones than he would like to admit, all in the "
        "name of testing them.</p>",
        [("x", "jonahreviews"), ("bluesky", "@jonah.example.net")],
    ),
    (
        "Ines Carvalho",
        "ines-carvalho",
        "Science writer",
        "<p>Ines writes about space, materials and the physics of everyday devices.</p>",
        [
            ("mastodon", "https://sciences.example/@inescarvalho"),
            ("email", "ines.carvalho@example.com"),
        ],
    ),
    (
        "Daniel Achterberg",
        "daniel-achterberg",
        "News editor",
        "<p>Daniel runs the news desk. Corrections and story ideas are welcome at "
        "daniel.achterberg@example.com.</p>",
        [("email", "daniel.achterberg@example.com"), ("x", "@dachterberg")],
    ),
    (
        "Keiko Tanabe",
        "keiko-tanabe",
        "Asia technology correspondent",
        "<p>Keiko reports on the electronics industry across East Asia from Tokyo.</p>",
        [("bluesky", "keikotanabe.bsky.social"), ("linkedin", "keiko-tanabe")],
    ),
    (
        "Samuel Osei",
        "samuel-osei",
        "Data reporter",
        "<p>Samuel turns spreadsheets into stories and draws most of our charts.</p>",
        [("website", "https://samuelosei.example.com/charts"), ("mastodon", "@sosei@data.example")],
    ),
    (
        "Lucia Ferrante",
        "lucia-ferrante",
        "Contributing writer",
        "<p>Lucia writes about security and the people who keep systems running.</p>",
        [("email", "lucia.ferrante@example.com")],
    ),
    (
        "Ruth Abernathy",
        "ruth-abernathy",
        "Photo editor",
        "<p>Ruth leads the photo desk and commissions our illustrations.</p>",
        [("x", "ruthabernathy"), ("website", "https://ruth.example.org/")],
    ),
]

COMPANIES = [
    "Fabrikon",
    "Lumen Semiconductor",
    "Quillwave",
    "Northgate Systems",
    "Orrery Labs",
    "Tessellate",
    "Kestrel Devices",
    "Halcyon Compute",
    "Marlowe Networks",
    "Vantablue",
]
PRODUCTS = [
    "the K7 processor",
    "the Atlas accelerator",
    "a 2-nanometre test chip",
    "the Ferro phone",
    "the Wren laptop",
    "an open-weights language model",
    "the Lattice router",
    "a solid-state battery",
]
PLACES = ["Eindhoven", "Hsinchu", "Austin", "Dresden", "Osaka", "Bangalore", "Leuven", "Phoenix"]
PEOPLE = [
    "Alma Reyes",
    "Victor Hale",
    "Noor Haddad",
    "Feng Li",
    "Oskar Brandt",
    "Amara Eze",
    "Hugo Lefebvre",
    "Sina Karimi",
]
ROLES = [
    "chief executive",
    "head of research",
    "an analyst at Meridian Research",
    "a former regulator",
    "the company's chief engineer",
    "a professor of electrical engineering",
]

HEADLINES = [
    "{company} bets its future on {product}",
    "Inside {company}'s new plant in {place}",
    "{company} delays {product} as yields lag",
    "Regulators open inquiry into {company}'s pricing",
    "Why {product} matters more than its specs suggest",
    "{company} and {company2} agree to share a fab in {place}",
    "The quiet race to build {product}",
    "{company} cuts prices on {product} ahead of rivals",
    "Researchers in {place} show a faster path to {product}",
    "{company} opens its design tools to outside developers",
    "What {company}'s earnings say about the chip cycle",
    "Review: {product} is fast, quiet and expensive",
]
DEKS = [
    "The company says the gamble will pay off within three years. Not everyone is convinced.",
    "A look at the money, the machines and the people behind the announcement.",
    "Customers were told to expect shipments later than planned.",
    "The move could reshape a market that has barely changed in a decade.",
    "Engineers describe a year of long nights and small breakthroughs.",
    "",
]
OPENINGS = [
    "{company} said on Tuesday that it would spend heavily on {product}, its largest investment since the company was founded.",
    "For most of the past year, engineers at {company} in {place} have been working on a problem few outsiders noticed.",
    "The announcement came with little fanfare: a short statement from {company} and a slide shown to investors.",
    "When {person}, {role}, walked on stage in {place} last week, the audience expected an update. They got a surprise.",
]
SENTENCES = [
    "The company did not say how much it expects to spend over the next two years.",
    "{person}, {role}, said the decision had been debated for months.",
    "Analysts have long argued that {company} needed a product like {product} to stay competitive.",
    "Suppliers in {place} said orders had picked up since the spring.",
    "The plan depends on equipment that is still in short supply.",
    "Rivals, including {company2}, have pursued a different approach.",
    "Early tests showed power use falling by roughly a fifth, according to figures shared with reporters.",
    "Some customers said they would wait for independent benchmarks before committing.",
    "Employees described the mood inside the company as cautious but optimistic.",
    "The timeline leaves little room for error.",
    "Officials in {place} welcomed the news, pointing to the jobs it could bring.",
    "A spokesperson for {company2} declined to comment.",
    "It is the third such announcement from {company} this year.",
    "Investors reacted calmly, and the shares ended the day little changed.",
    "Critics said the company had made similar promises before and missed them.",
]
QUOTES = [
    "We are not building this for next quarter. We are building it for the next decade.",
    "Nobody in this industry gets to skip the hard parts.",
    "The customers who care most about this will notice within a week.",
    "It is a bet, and we know it is a bet.",
]
SUBHEADS = [
    "What changes for customers",
    "The cost of waiting",
    "A crowded field",
    "What comes next",
]

TAGS = [
    "semiconductors",
    "supply chain",
    "earnings",
    "antitrust",
    "export controls",
    "data centers",
    "smartphones",
    "laptops",
    "batteries",
    "open source",
    "security",
    "space",
    "research",
    "manufacturing",
    "startups",
    "labor",
    "energy",
    "reviews",
    "europe",
    "asia",
]


def _fill(template: str, parts: dict) -> str:
    return template.format(**parts)


def story_parts(rng: random.Random) -> dict:
    company, company2 = rng.sample(COMPANIES, 2)
    return {
        "company": company,
        "company2": company2,
        "product": rng.choice(PRODUCTS),
        "place": rng.choice(PLACES),
        "person": rng.choice(PEOPLE),
        "role": rng.choice(ROLES),
    }


def headline(rng: random.Random, parts: dict) -> str:
    text = _fill(rng.choice(HEADLINES), parts)
    return text[0].upper() + text[1:]


def dek(rng: random.Random) -> str:
    return rng.choice(DEKS)


def body(rng: random.Random, parts: dict) -> str:
    """Six to ten paragraphs with a subhead, a quote and sometimes a list or a link."""
    paragraphs = [_fill(rng.choice(OPENINGS), parts)]
    for _ in range(rng.randint(5, 9)):
        sentences = rng.sample(SENTENCES, rng.randint(2, 4))
        paragraphs.append(" ".join(_fill(s, parts) for s in sentences))
    html = [f"<p>{p}</p>" for p in paragraphs]
    html.insert(2, f"<blockquote><p>{rng.choice(QUOTES)}</p></blockquote>")
    html.insert(4, f"<h2>{rng.choice(SUBHEADS)}</h2>")
    if rng.random() < 0.4:
        html.insert(
            6,
            "<ul><li>Shipments: later than first planned</li><li>Price: not yet announced</li>"
            "<li>Availability: selected customers first</li></ul>",
        )
    if rng.random() < 0.5:
        html.append(
            f'<p>{parts["company"]} published <a href="https://example.com/{parts["company"].lower().replace(" ", "-")}">'
            "a summary of the plan</a> on its website.</p>"
        )
    return "\n".join(html)
