"""The answer policy: every threshold, weight and word list that decides what
the assistant says, in one typed place, each with the general reason for it.

Nothing here names a topic or a dev question. The word lists are general
resources of the supported languages (English, French): question words,
words that name an answer slot, scale words, currency and time-unit words.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class AnswerPolicy:
    # -- evidence scoring -----------------------------------------------------
    dense_weight: float = 0.6
    """Relevance mixes meaning (embedding cosine) and wording (idf-weighted
    share of the question's terms). Meaning carries paraphrase and the other
    language; wording carries exact names the embedder blurs."""
    same_language_bonus: float = 0.08
    """A quote in the reader's language is preferred when it answers about as
    well: it is easier to check and to read."""
    headline_weight: float = 0.5
    """A question term found only in a sentence's headline counts this much
    toward its coverage: the headline says what every sentence under it is
    about, but is shared by all of them, so the sentence's own words rank."""
    min_score: float = 0.18
    """Below this relevance no sentence is taken to answer. Calibrated on both
    dev corpora: the gates below (focus, answer kind) do the discriminating
    work; this only removes sentences that share no meaning with the question."""
    cross_language_min_dense: float = 0.25
    """Across languages few words are shared, so closeness in meaning alone
    may carry a unit over the relevance bar: at this cosine, above the score
    a unit in the question's language needs from meaning and words together
    (`min_score`), since no shared word backs it up. At 0.18 a French
    minister's quote (0.20) answered "Which institute does she work for?"."""
    min_dense: float = 0.1
    """Nor is a sentence whose meaning is this far from the question's, however
    many of its words it shares: one rare word in common ("will work
    together" for "where did he work") is chance. The multilingual embedder
    scores unrelated text near 0. A unit that names a person in full is
    exempt for a "who" question: a full name that passed every gate is no
    chance match, and a long quote takes its speaker's sentence far from the
    question in meaning (0.06 for "« Nous n'avons pas obtenu ... », a
    déclaré Nadia Bensalem, secrétaire générale du SWIS")."""
    min_topic_coverage: float = 0.25
    """Share of the question's topic terms (idf-weighted) that the evidence
    window must hold. Low because verbs are paraphrased ("work" / "held the
    position"); non-zero because an answer about another topic must fail."""
    cross_language_dense: float = 0.45
    """Across languages words don't match, so meaning alone shows that a unit
    is on the question's topic; the multilingual embedder scores a translated
    answer around 0.5-0.7 and unrelated text near 0."""
    paraphrase_dense: float = 0.62
    """In one language, a unit this close in meaning is on topic even when it
    words the question's terms differently."""
    term_meaning_similarity: float = 0.65
    """A topic term missing from a unit is still held when one of the unit's
    words is this close to it in meaning, word to word ("ban" / "prohibited",
    "chief executive" / "directrice générale"). On 31 synonym and 30 related
    pairs in English and French (not from the dev corpora) 0.65 keeps 23
    synonyms and lets 8 related pairs through, mostly opposites ("buy" /
    "sell"), which word vectors cannot tell apart; figures stay bound to
    their attribute by the words themselves, so such a pass cannot move a
    sum or a share."""
    translation_similarity: float = 0.8
    """In a sentence in the other language, a question's word is present
    when a word of the sentence, as written, is this close to it: the
    multilingual embedder was trained on translations and scores most of
    them 0.82-0.96 ("workers" / "salariés" 0.84, "court" / "tribunal" 0.87,
    "only" / "uniquement" 0.95), while related words and opposites stay
    under 0.8 ("revenue" / "bénéfice" 0.75, "buy" / "vendre" 0.68, "weeks"
    / "mois" 0.79; probe pairs not taken from the dev corpora). Such a
    sentence then ranks by the question's words it holds, as a sentence in
    the question's language does, instead of by meaning alone."""
    meaning_min_letters: int = 4
    """Words this short are never matched by meaning: the vectors of
    acronyms and short words crowd together ("ceo" / "ai": 0.79). Across
    languages, where meaning is the only way, a figure's attribute may have
    one letter fewer and still find its long translation ("pay" /
    "salariale": 0.68)."""
    language_slots: int = 2
    """The passages closest in meaning in each language of the library join
    the retrieved ones: a passage in another language shares no word with
    the question, and the embedder scores it below any in the question's
    language, so fused ranking alone would leave it out even when it alone
    holds the answer."""
    max_question_parts: int = 3
    """A message asking more questions than this ("who, what, when, where...")
    is read as one: past a few, the parts are more likely one question's
    clauses than separate questions, and each part costs a model call."""
    min_unit_words: int = 4
    """Shorter spans (headings, bylines) are not sentences that can answer."""
    prompt_evidence: int = 4
    """Evidence sentences shown to the model: enough for list questions, few
    enough that a small model keeps to them and the prompt stays fast."""
    list_evidence: int = 3
    """For list questions ("which services"), up to this many sentences from
    different places are quoted when the model's sentences fail."""
    specific_answer_bonus: float = 0.2
    """Added to a unit's rank when it states the asked kind fully (a day and
    month or a year, not only "on Wednesday"; a place after "in" or in a
    dateline; a counted span, "for more than a decade", not "for several
    years"; an enumeration for a list question), so it wins over a nearly
    as relevant unit that only hints at the answer. Calibrated on the dev
    sets: 0.2 answers two more (seeds extra, AI Act) than 0.1 and loses none
    once an inline list ("three steps: a, b and c") counts as an enumeration."""
    passage_weight: float = 0.1
    """Added to a unit's rank times its passage's retrieval score (meaning
    and wording of the whole chunk, fused; 1.0 for the best): of two
    sentences that answer about as well, the one whose paragraph matches
    the question better is more likely about what it asks. Small, so the
    sentence's own relevance decides. Measured on the sixteen sets: 0.1
    kept every dev answer and raised two sets' citation precision
    (tram 0.88 -> 0.91, breach 0.70 -> 0.75), one held-out set answered one more;
    0.2 lost an AI Act answer."""
    specific_first_kinds: frozenset[str] = frozenset({"person", "reason"})
    """Kinds whose answer is a thing a unit names or does not: for these, a
    unit that states the answer fully comes before every unit that only hints
    at it, however much better that one matches the wording ("Who leads the
    authority?" is answered by the sentence that names its director, not by the
    one that repeats the authority's full name; "Why did the pilots walk out?"
    by what they demand, not by when the walkout began)."""
    dateline_max_words: int = 8
    """A news article's first line this short that holds a date is its
    dateline ("Strasbourg, March 13, 2024"): it dates and places the lead
    paragraph under it, whose "on Wednesday" is relative to it."""
    conflict_margin: float = 0.12
    """Two articles conflict only when the rival answers nearly as well."""
    on_topic_margin: float = 0.12
    """A generated sentence must rest on evidence nearly as relevant as the
    best; evidence within this of the best is close enough that ranking cannot
    tell which answers, so it is quoted too (see assemble.Assembler._runner_up)."""
    near_copy_share: float = 0.85
    """Evidence whose names the model's sentences leave out is quoted after
    them, unless a sentence resting on it already repeats this share of its
    words and leaves out no figure: quoting it again would say the same thing
    twice ("Benoit Dupin, directeur principal ..." then "Selon CNBC, Benoit
    Dupin, directeur principal ..."). Nor after a clause copied word for word
    that leaves out only figures, when no figure, date or list is asked (see
    Assembler.finish)."""

    agent_verb_window: int = 5
    """A passive verb is taken to have its agent ("built between 1975 and
    1979 *by* the contractor") when it stands at most this many words
    before one of `agent_markers`: a short adverbial may come between."""

    # -- verification ---------------------------------------------------------
    min_content_support: float = 0.75
    """Share of a generated sentence's content words that its cited sentence
    must hold. Small models paraphrase a little; more than a quarter of new
    words is new content."""
    max_unsupported: int = 2
    """At most this many content words of a sentence may be missing from the
    source, however long the sentence."""
    binding_window: int = 3
    """The nearest content words (this many on each side) of a figure or a
    name in a generated sentence say what the figure is ("revenue $5
    billion") or what the name did; the nearest on each side and at least half
    of them must sit within `source_binding_window` (`name_binding_window` for
    a name) words of the same figure or name in the source."""
    source_binding_window: int = 10
    """How near a binding word must be in the source: a news sentence may put
    a clause between a figure and what it measures."""
    name_binding_window: int = 20
    """Names are bound more loosely than figures: a sentence often names its
    subject once and says several things of it further on."""

    # -- word resources ---------------------------------------------------------
    question_words: frozenset[str] = field(default_factory=lambda: _words(
        "what which who whom whose when where why how quel quelle quels quelles qui quoi ou où "
        "comment combien pourquoi quand lequel laquelle lesquels lesquelles does did do est-ce"
    ))
    """Words that ask rather than say: never part of what is asked about."""
    slot_nouns: frozenset[str] = field(default_factory=lambda: _words(
        "kind kinds type types sort sorts name names role roles job jobs title titles position "
        "way ways thing things example examples part parts many much place "
        "genre genres sorte sortes nom noms role rôle rôles poste postes fonction fonctions "
        "titre titres exemple exemples façon facon manière maniere sum sums somme sommes montant montants"
    ))
    """Nouns that name the slot the answer fills ("his role", "what kind of"):
    the answer gives a value, and the word itself is rarely in the sentence."""
    irregular_plurals: frozenset[str] = field(default_factory=lambda: _words(
        "people children men women staff police personnel cattle"
    ))
    """English plurals without an -s: the head of a counted phrase is its
    plural noun ("how many sick *children*", "how many *people* work")."""
    light_verbs: frozenset[str] = field(default_factory=lambda: _words(
        "see saw seen get got gotten give gave given take took taken make made have has had go went gone "
        "come came put keep kept find found show showed shown happen happened become became "
        "last lasted lasts "
        "voir vu obtenir donner donné prendre pris faire fait avoir eu aller va vont allait allaient ira iront "
        "venir mettre trouver durer dure duré"
    ))
    """Verbs that carry little meaning of their own ("did Apple *see*", "take
    place"): an article rarely repeats them, so they are no part of the topic."""
    role_nouns: frozenset[str] = field(default_factory=lambda: _words(
        "ceo cfo cto coo pdg dg chief president chairman chairwoman director minister commissioner "
        "founder cofounder co-founder head spokesperson spokesman spokeswoman leader chair governor mayor "
        "secretary executive manager owner editor présidente président directeur directrice ministre "
        "commissaire fondateur fondatrice porte-parole dirigeant dirigeante patron patronne maire secrétaire secretaire "
        "lawyer attorney avocat avocate"
    ))
    """Titles of people: a capitalized "CEO" is a role to look for in the
    sentence, not a name that must appear in the articles. A question that asks
    who holds one ("Who is the chief executive of X?") is answered only by a
    sentence that says it: in one language word vectors put titles together
    ("president" / "chairman" 0.82, "executive" / "authority" 0.68), so only
    across languages does meaning stand in for the word."""
    title_synonyms: tuple[tuple[str, ...], ...] = (
        ("ceo", "chief executive", "director general", "director-general", "managing director",
         "pdg", "président directeur général", "directeur général", "directrice générale", "dg"),
        ("cfo", "chief financial officer", "finance director", "directeur financier", "directrice financière"),
    )
    """Ways of writing one office, the first standing for all: a question
    about the "CEO" is answered by "Chief Executive Mathilde Carrasco" or
    "its director general, Nadia Belkacem". Titles are a closed class that word
    vectors cannot sort ("ceo" / "chief" 0.59 but "chief" / "head" 0.66)."""
    leadership_words: frozenset[str] = field(default_factory=lambda: _words(
        "leader leaders lead leads led head heads headed heading boss bosses run runs ran charge "
        "dirigeant dirigeante dirigeants dirige dirigent dirigeait chef cheffe patron patronne "
        "responsable responsables"
    ))
    """Words that ask who leads without naming a title: "Who is its leader?",
    "Who heads the union?", "Who is in charge of it?", "Qui dirige le service ?". Any title of
    `role_nouns` holds them: a union's secretary-general, a company's chief
    executive and a department's director are each its leader."""
    holder_links: frozenset[str] = field(default_factory=lambda: _words("of at for de du d chez"))
    """Words that tie a title to whose it is: "the chief executive *of*
    Pharmadis", "le directeur général *de* l'IFM" (see Question.holder)."""
    request_verbs: frozenset[str] = field(default_factory=lambda: _words(
        "ignore forget disregard pretend act roleplay role-play write compose draw sing imagine "
        "tell generate translate oublie oubliez ignore ignorez écris ecris écrivez ecrivez invente inventez "
        "imagine imaginez raconte racontez compose composez traduis traduisez rédige rédigez redige redigez"
    ))
    """A message that opens with one of these asks for something other than an
    answer from the articles; it is refused unless it is about the articles'
    content ("tell me who ...", "write down when ...")."""
    creative_nouns: frozenset[str] = field(default_factory=lambda: _words(
        "poem poems joke jokes song songs limerick limericks haiku story stories essay rap tweet tweets slogan slogans "
        "poème poèmes poeme blague blagues chanson chansons histoire conte"
    ))
    """What a creative request asks for: never in news articles' remit."""
    instruction_nouns: frozenset[str] = field(default_factory=lambda: _words(
        "instructions instruction rules prompt prompts system consignes règles regles articles article previous above"
    ))
    """"Ignore your instructions", "forget the articles": an attempt to change
    the assistant, refused when it comes with one of `dismiss_verbs`."""
    dismiss_verbs: frozenset[str] = field(default_factory=lambda: _words(
        "ignore ignorez forget disregard oublie oubliez"
    ))
    change_words: frozenset[str] = field(default_factory=lambda: _words(
        "rise rises raise raises increase increases hike hikes cut cuts growth fall falls drop drops decline "
        "hausse hausses augmentation augmentations baisse baisses revalorisation croissance recul"
    ))
    """A change in a sum ("what pay rise", "la hausse des salaires") is as
    often given in percent as in money: either answers it."""
    money_verbs: frozenset[str] = field(default_factory=lambda: _words(
        "cost costs pay paid spend spent earn earned charge charged raise raised worth invest invested "
        "lend lends lending lent borrow borrows borrowing borrowed owe owes owed "
        "coûte coute coûté paie paye payé gagne gagné dépense depense investi "
        "payer verser verse versera verseront versent preter prete emprunter emprunte rembourser rembourse"
    ))
    """"How much did X *pay*": with one of these, "how much" asks for a sum.
    Matched on folded words ("versé" is "verse")."""
    auxiliaries: frozenset[str] = field(default_factory=lambda: _words(
        "is are was were does do did can could will would has have had should may might must est-ce"
    ))
    """A question opening with one of these asks yes or no."""
    finite_verbs: frozenset[str] = field(default_factory=lambda: _words(
        "is are was were be been has have had will would can could may might must should shall does do did "
        "est sont était etait étaient etaient a ont avait avaient sera seront peut peuvent doit doivent fait font va vont "
        # the common irregular past tenses of English news
        "said made took went told won grew ran rose fell bought sold paid held led left met gave got saw became "
        "began came found kept knew lost meant put read sent set spent spoke stood struck thought threw wrote "
        "brought built caught chose cut drew drove fought flew forgot hit hung hurt laid lent let lay shut "
        "sought shook sank slid split spread sprang stole stuck swept swore taught tore understood upheld woke wore"
    ))
    """Verbs that make a short generated sentence a statement rather than a
    fragment ("Apple's chief engineer, Y"): with them, a lowercase word ending
    in -ed / -ent / -ait, or a lowercase -s word before the last word."""
    speech_verbs: frozenset[str] = field(default_factory=lambda: _words(
        "say says said saying tell tells told telling dit dire disent"
    ))
    """Verbs that say someone spoke. The English ones are stop words, so the
    content check lets them through: a generated "the family said Y" must
    find its speaker reported as speaking in the source (see
    `reporting_words`), or it pins the source's words on a word the source
    only mentions ("a family-owned drugmaker")."""
    reporting_words: frozenset[str] = field(default_factory=lambda: _words(
        "say says said saying tell tells told telling state states stated announce announces announced "
        "declare declares declared add adds added claim claims claimed explain explains explained "
        "note notes noted warn warns warned describe describes described call calls called argue argued "
        "insist insisted admit admitted acknowledge acknowledged confirm confirms confirmed according "
        "write wrote written reply replied answer answered "
        "dit dire disent déclare déclaré annonce annoncé affirme affirmé indique indiqué "
        "précise précisé explique expliqué ajoute ajouté estime estimé souligne souligné assure assuré "
        "reconnaît reconnu confirme confirmé selon écrit ecrit répond répondu"
    ))
    """Ways a source sentence reports speech, in English and French: a
    speaker within `source_binding_window` words of one is reported as
    speaking. Matched on folded words. In a source with none of them, a
    quotation mark counts, with the speaker anywhere in the sentence."""
    person_pronouns: frozenset[str] = field(default_factory=lambda: _words("he she il elle"))
    """Pronouns that stand for one person: "she said" needs a source that
    reports a person speaking (a name, a title or such a pronoun by its
    reporting word), not "the company said"."""
    person_references: frozenset[str] = field(default_factory=lambda: _words(
        "he him his she her hers il elle lui"))
    """Words that point to one person. A "who" question that has one ("Who
    took over from *him*?", "Qui *lui* a succédé ?") asks for someone else
    than the names the pronoun points to."""
    fragment_max_words: int = 12
    """Sentences up to this long are checked for a verb; longer ones nearly
    always have one, and a missed verb there would drop a good sentence."""
    perfect_auxiliaries: frozenset[str] = field(default_factory=lambda: _words(
        "a ont avait avaient ete etre been being t il elle ils elles"
    ))
    """Forms that stand between a question word and its verb in a compound
    tense or an inverted French question ("Qui *a* conçu", "Which firm has
    *been* hired", "a-*t-il*"), besides `auxiliaries`: the verb follows them."""
    connectives: frozenset[str] = field(default_factory=lambda: _words(
        "and but so then also now ok okay well separately anyway besides meanwhile finally lastly plus "
        "et mais alors donc puis ensuite aussi sinon bon enfin oui non"
    ))
    """Words that link a question to the conversation when they open it ("And
    who took over?", "Et qui assure désormais ses fonctions ?", "Separately,
    how much..."): the question proper starts after them, so they neither hide
    its question word nor count among what it asks about."""
    preverbal_adverbs: frozenset[str] = field(default_factory=lambda: _words(
        "first last also then later initially originally actually already still ever "
        "aussi ensuite deja déjà toujours finalement"
    ))
    """Adverbs that stand between "who" and its verb ("Who *first* noticed"):
    the verb is the word after them."""
    passive_auxiliaries: frozenset[str] = field(default_factory=lambda: _words(
        "is are was were be been being get got est sont était etait étaient etaient été ete être etre"
    ))
    """Forms that make the participle after them passive ("was *built*",
    "a été *construit*"): the deed's doer, if said, follows "by" / "par"."""
    circumstance_words: frozenset[str] = field(default_factory=lambda: _words(
        "in at on near between during since until from en à au aux dans entre pendant depuis jusqu le"
    ))
    """Words that open a time or a place: a participle after a comma and
    before one is passive ("Veltrane, founded *in* 2004"); before anything else
    it is the verb of the name before the comma ("Keller, called *the* strike")."""
    agent_markers: frozenset[str] = field(default_factory=lambda: _words("by par"))
    """Words that introduce the agent of a passive verb ("built *by* Airbus")."""
    participle_endings: tuple[str, ...] = ("ed", "en", "i", "is", "u", "us", "t", "ts")
    """Endings of English and French past participles ("designed",
    "construit", "conçu"), matched on folded words: with `finite_verbs`, what
    marks the verb before an agent marker. The French -é forms fold to a
    bare -e that too many other words end in, so they are left out."""
    possessives: frozenset[str] = field(default_factory=lambda: _words("its his her their son sa ses leur leurs"))
    """After a name of the question ("Apple ... its devices"), a possessive
    points inside the question, not to the conversation."""
    personal_pronouns: frozenset[str] = field(default_factory=lambda: _words("he she they il elle ils elles"))
    """A sentence with one of these among its first words ("Prior to joining
    Apple, he held ...") is quoted with the sentence before it."""
    scale_words: dict[str, str] = field(default_factory=lambda: {
        "thousand": "e3", "thousands": "e3", "k": "e3", "mille": "e3", "milliers": "e3",
        "million": "e6", "millions": "e6", "m": "e6", "mn": "e6", "mio": "e6",
        "billion": "e9", "billions": "e9", "bn": "e9", "b": "e9", "milliard": "e9", "milliards": "e9", "md": "e9", "mds": "e9",
        "trillion": "e12", "trillions": "e12", "tn": "e12",
    })
    """Scale words and their magnitude: "208 milliards" is 208e9, never "208
    million". (French "billion" means 1e12, but in news it is rare and
    ambiguous; it reads as English here.)"""
    currency_words: dict[str, str] = field(default_factory=lambda: {
        "$": "usd", "usd": "usd", "dollar": "usd", "dollars": "usd", "€": "eur", "eur": "eur", "euro": "eur",
        "euros": "eur", "£": "gbp", "gbp": "gbp", "pound": "gbp", "pounds": "gbp", "sterling": "gbp",
        "¥": "jpy", "yen": "jpy", "jpy": "jpy", "yuan": "cny", "cny": "cny", "chf": "chf", "franc": "chf", "francs": "chf",
    })
    """Currency words and symbols, each with its code: "$208" and "208
    dollars" are the same unit, "208 euros" is another."""
    money_nouns: frozenset[str] = field(default_factory=lambda: _words(
        "price prices cost costs fee fees fine fines penalty penalties salary salaries wage wages pay paid "
        "revenue revenues turnover profit profits income earnings sales budget budgets valuation worth value "
        "spend spent spending investment invest invested funding raised debt tax taxes subsidy "
        "prix coût cout coûts couts coûte coute amende amendes sanction sanctions salaire salaires "
        "chiffre recette recettes bénéfice benefice bénéfices benefices budget budgets valeur investissement "
        "dette impôt impot taxe financement ransom ransoms damages compensation rançon rancon indemnisation "
        "indemnité indemnite indemnités indemnites sum sums somme sommes montant montants"
    ))
    """Things measured in money: a question about one of them wants a sum."""
    time_units: frozenset[str] = field(default_factory=lambda: _words(
        "second seconds minute minutes hour hours day days week weeks month months year years decade decades "
        "century centuries seconde secondes heure heures jour jours semaine semaines mois an ans année années "
        "annee annees décennie décennies decennie decennies siècle siècles"
    ))
    year_words: frozenset[str] = field(default_factory=lambda: _words("year years an ans annee annees"))
    """The words for a year, folded, as in "last year" and "l'an dernier"."""
    relative_year_words: frozenset[str] = field(default_factory=lambda: _words(
        "last this past previous next coming dernier derniere cette precedent precedente prochain prochaine "
        "passee ecoulee"
    ))
    """A year said from the article's date ("last year", "l'an dernier",
    "cette année"): beside a figure, the figure's year cannot be told from
    the years written near it, so no year check is made (see
    figures.years_by)."""
    ordinals: dict[str, int] = field(default_factory=lambda: {
        "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
        "premier": 1, "premiere": 1, "deuxieme": 2, "seconde": 2, "troisieme": 3, "quatrieme": 4,
        "cinquieme": 5,
    })
    """Ordinal words (folded), by rank: "the *second* line" is another thing
    than "the first line", so a sentence that gives only other ranks than
    the one asked is about something else. "Last" is left out: "last year"
    dates, it does not rank."""
    frequency_words: dict[str, str] = field(default_factory=lambda: {
        "hourly": "hour", "daily": "day", "weekly": "week", "monthly": "month", "yearly": "year",
        "annual": "year", "annually": "year", "quotidien": "jour", "quotidienne": "jour",
        "hebdomadaire": "semaine", "mensuel": "mois", "mensuelle": "mois", "annuel": "an", "annuelle": "an",
    })
    """Words that make a figure one per span of time ("*monthly* pay", "annual
    running costs"), with that span: the figure's own sentence must say the
    word or the span ("a year", "par mois"), not only its headline (see
    `Question.period`)."""
    vague_amounts: frozenset[str] = field(default_factory=lambda: _words(
        "several many few some couple plusieurs quelques nombreux nombreuses"
    ))
    """Words that give a duration without a figure: "for several years"."""
    length_units: frozenset[str] = field(default_factory=lambda: _words(
        "km kilometre kilometres kilometer kilometers metre metres meter meters mile miles foot feet yard yards "
        "kilomètre kilomètres mètre mètres cm centimetres centimètres"
    ))
    """Units of length: "how long" asks for a duration or for one of these."""
    measure_units: frozenset[str] = field(default_factory=lambda: _words(
        "gram grams kg kilogram kilograms tonne tonnes ton tons lb litre litres liter liters cubic square "
        "hectare hectares acre acres degree degrees celsius watt watts kw kwh mw mwh gw gwh megawatt megawatts "
        "gigawatt gigawatts volt volts knot knots mph "
        "gramme grammes kilo kilos cube cubes carré carrés carre carres degré degrés degre degres"
    ))
    """Other units of measure (weight, volume, area, temperature, power,
    speed): a figure followed by one measures, it does not count things."""
    named_categories: frozenset[str] = field(default_factory=lambda: _words(
        "company companies firm firms group brand brands manufacturer maker supplier bank organisation "
        "organization agency team club party newspaper country countries city cities town person people "
        "entreprise entreprises société societe groupe marque fabricant banque organisation agence équipe "
        "equipe club parti journal pays ville villes personne"
    ))
    """Things answered by a name: "which company" wants "Alstom", so a unit
    with no name outside the question cannot answer it."""
    place_nouns: frozenset[str] = field(default_factory=lambda: _words(
        "country countries city cities town towns place places region regions state states venue venues "
        "pays ville villes lieu lieux région régions region regions "
        "village villages province provinces district districts county counties municipality municipalities "
        "neighbourhood neighbourhoods neighborhood neighborhoods commune communes quartier quartiers"
    ))
    """Categories answered by a place: "which countries" is answered by a
    name after "in" / "across", "which company" is not."""
    causal_words: frozenset[str] = field(default_factory=lambda: _words(
        "because due owing blamed caused cause causes reason reasons result after since thanks "
        "demand demands demanding demanded protest protests protesting protested complain complains "
        "complained complaint complaints grievance grievances dispute disputes "
        "parce car raison cause causé cause grâce suite dû du réclame réclament réclamait réclamaient "
        "revendication revendications revendique revendiquent protestent protestaient dénoncent dénonçaient différend litige"
    ))
    """Words that give a reason: a "why" question is answered specifically
    by a sentence with one ("blamed the overrun on", "because"), and a
    strike or protest by what its side demands or protests against, or what
    the dispute is over. "since" and "after" give a reason only when no
    time follows them (see figures.gives_reason)."""
    relative_markers: frozenset[str] = field(default_factory=lambda: _words(
        "after before within ago later earlier since après avant dans depuis plus"
    ))
    """Words that make a duration a point in time: "after 24 months", "three
    years ago", "dans six mois": an answer to "when"."""
    months: frozenset[str] = field(default_factory=lambda: _words(
        "january february march april may june july august september october november december "
        "jan feb mar apr jun jul aug sep sept oct nov dec "
        "janvier février fevrier mars avril mai juin juillet août aout septembre octobre novembre décembre decembre"
    ))
    relative_dates: frozenset[str] = field(default_factory=lambda: _words(
        "monday tuesday wednesday thursday friday saturday sunday yesterday today tomorrow ago recently "
        "lundi mardi mercredi jeudi vendredi samedi dimanche hier aujourd'hui demain récemment recemment"
    ))
    locatives: frozenset[str] = field(default_factory=lambda: _words(
        "in at near from outside inside across throughout au aux en dans depuis"
    ))
    """Words that put a name in a place: "in Strasbourg", "dans l'Ain". A
    place answer stated this way is specific; any capitalized word is only a
    hint. Compared folded. French "à" is not one: it names who receives as
    often ("a infligé à Corvalis une amende"), and read as a place it made
    the company fined a place (measured: one answer's quote changed for a
    worse one, no figure moved)."""
    enumerators: frozenset[str] = field(default_factory=lambda: _words(
        "including such namely notamment comme tels telles"
    ))
    """Words that open a list of examples: a list question is answered
    specifically by a sentence that enumerates."""
    number_words: dict[str, str] = field(default_factory=lambda: {
        "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
        "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20",
        "thirty": "30", "forty": "40", "fifty": "50", "hundred": "100", "dozen": "12",
        "un": "1", "une": "1", "deux": "2", "trois": "3", "quatre": "4", "cinq": "5", "sept": "7",
        "huit": "8", "neuf": "9", "dix": "10", "onze": "11", "douze": "12", "vingt": "20", "trente": "30",
        "quarante": "40", "cinquante": "50", "cent": "100", "douzaine": "12", "decade": "10", "décennie": "10",
    })
    """Numbers written as words: "ten years" states the figure 10."""
    percent_words: frozenset[str] = field(default_factory=lambda: _words("% percent per cent pourcent pour-cent"))
    distributives: frozenset[str] = field(default_factory=lambda: _words("each every per chaque par"))
    """Words that make a figure one of each thing ("each *bus*", "par rame"):
    a sentence that gives such a figure must name that thing in the
    question's own word (see `Question.owners`)."""
    exclusives: frozenset[str] = field(default_factory=lambda: _words(
        "only alone solely exclusively uniquement seulement exclusivement seul seule seuls seules"
    ))
    """Words that restrict a figure to one thing ("rescued by helicopter
    *alone*", "par hélicoptère *uniquement*"): a figure for that thing and
    another together ("by boat or helicopter") is not the one asked."""
    coordinators: frozenset[str] = field(default_factory=lambda: _words("and or nor et ou ni"))
    """Words that join two things into one ("boat *or* helicopter")."""
    anaphors: frozenset[str] = field(default_factory=lambda: _words(
        "he him his she her hers it its they them their this that these those there "
        "il elle ils elles lui leur leurs son sa ses ce cet cette ces cela ça"
    ))
    """Words that lean on something said before: a sentence opening with one
    carries the sentence before it, and a follow-up question containing one
    is read with the conversation."""
    withheld_figure: tuple[str, ...] = (
        "without giving a figure", "without giving figures", "without giving an amount",
        "did not give a figure", "didn t give a figure", "declined to give a figure", "would not give a figure",
        "did not disclose the amount", "declined to disclose the amount", "without disclosing the amount",
        "declined to say how much", "declined to say how many", "would not say how much", "would not say how many",
        "did not say how much", "did not say how many",
        "sans donner de chiffre", "sans chiffrer", "sans le chiffrer", "sans preciser le montant",
        "sans en preciser le montant", "sans preciser combien", "n a pas donne de chiffre", "n a pas chiffre",
        "n a pas precise le montant", "a refuse de chiffrer", "refuse de donner un chiffre",
    )
    """How news says that a figure was not given (folded words): a sentence
    that says so ("... out of its €31 million recall budget, a spokeswoman
    said, without giving a figure") does not give the figure asked about;
    its other figures are other things'."""
    speaker_window: int = 3
    """A name this many words from a reporting word ("chief executive Sophie
    Marchetti *told*", "*said* Marc Delacroix, president of ...") is who
    speaks in the sentence: its source, not the doer of what it reports."""
    opening_phrase_words: int = 8
    """A sentence may open with a short phrase set off by a comma before its
    subject ("Arrivé dans l'entreprise en 2022, M. Verbeke quitte ...", "In
    a statement on Monday, Veltrane said ..."); a longer one before the first
    comma is the sentence itself, and the name after it is not its subject."""
    weak_anaphors: frozenset[str] = field(default_factory=lambda: _words("that there"))
    """Anaphors too often something else ("said *that*", "*there* are") to
    show, inside a sentence, that it points back."""


DEFAULT_POLICY = AnswerPolicy()
"""The policy of a default `Settings()`, for callers that pass none."""
