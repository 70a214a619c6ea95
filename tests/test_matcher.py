"""bot.matcher: which topic a message is about, told mostly through `Lantern.reply`.

A confident wrong answer is worse than admitting doubt: ties ask (clarify), weak matches say they
are unsure (fallback) and offer topics.
"""

from __future__ import annotations

import shutil

import pytest

from bot.config import MatchingSettings
from bot.content import load_catalog
from bot.core import Lantern
from bot.hotlines import fill
from bot.matcher import KEYWORD_BONUS, NO_SUBSTANCES, IntentPhrases, Matcher, Substances
from bot.normalise import Lexicon, Normaliser
from bot.paths import DEFAULT_INTENTS_DIR, DEFAULT_RESPONSES_DIR
from bot.reader import reader_of
from bot.replies import TOPICS


def plain_matcher(*intents: IntentPhrases, threshold: float = 72.0, margin: float = 4.0,
                  substances: Substances = NO_SUBSTANCES) -> Matcher:
    return Matcher(list(intents), Normaliser(Lexicon({}, {}, frozenset())), threshold, margin, substances)


# --- the shipped content, as a user meets it ---------------------------------------------------------

@pytest.mark.parametrize(("text", "intent"), [
    ("why cant my son just quit", "why_cant_they_stop"),
    ("hi, sorry to bother you, but why cant my son just quit", "why_cant_they_stop"),
    ("3am cravings are bad", "night_cravings"),
    ("dual dx meaning", "dual_diagnosis"),
    ("tell me about methadone", "medications_for_opioid_use"),  # "tell me about" reads as "what is"
    ("thanks, that helped. what about relapse?", "relapse"),  # small talk, then the question
    ("good morning! my husband relapsed last night", "relapse"),
])
def test_questions_get_their_topic(lantern, text, intent):
    reply = lantern.reply("u", text)
    assert reply.kind == "answer"
    assert reply.intent == intent
    answer = lantern.catalog.answers[lantern.catalog.intent(intent).answer]
    assert reply.text == fill(answer.text_for(reader_of(text)), lantern.catalog.region("US").values())


def test_an_answer_offers_its_follow_ups_and_names_its_sources(lantern):
    reply = lantern.reply("u", "why cant my son just quit")
    answer = lantern.catalog.answers["why_cant_they_stop"]
    assert [s.answer_id for s in reply.suggestions] == list(answer.follow_ups)
    assert reply.sources == answer.sources and reply.sources


def test_hello_is_small_talk(lantern):
    reply = lantern.reply("u", "hello")
    assert reply.kind == "smalltalk"
    assert reply.intent == "greeting"


@pytest.mark.parametrize(("text", "intent"), [
    ("thank you so much. you have been really helpful", "thanks"),
    ("hi. how are you", "greeting"),
])
def test_small_talk_over_several_sentences_stays_small_talk(lantern, text, intent):
    reply = lantern.reply("u", text)
    assert (reply.kind, reply.intent) == ("smalltalk", intent)


def test_asking_whether_lantern_is_a_person_gets_an_honest_answer(lantern):
    reply = lantern.reply("u", "are you a real person")
    assert reply.kind == "smalltalk"
    assert reply.intent == "bot_identity"
    assert "automated" in reply.text.lower()
    assert "not a person" in reply.text.lower()


@pytest.mark.parametrize("text", ["asdfgh qwerty", "how do i bake lasagna"])
def test_nonsense_gets_an_honest_fallback_with_topics(lantern, text):
    reply = lantern.reply("u", text)
    assert reply.kind == "fallback"
    assert reply.intent is None
    # "Not sure I understood", or, for a question plainly outside Lantern's topics, that it is outside
    # them: either way honest, never a guess.
    assert "rather say so than guess" in reply.text.lower()
    topic_ids = {a.id for a in lantern.catalog.topic_answers()}
    assert reply.suggestions, "a fallback must offer somewhere to go"
    *offered, last = reply.suggestions
    assert offered and {s.answer_id for s in offered} <= topic_ids
    # A short list, then the way to every topic.
    assert last.answer_id == TOPICS
    # Operators see what nothing matched, in its normalised form.
    assert reply.unmatched_text == lantern.catalog.normaliser.canonical(text)


def test_matching_is_deterministic(lantern):
    replies = {lantern.reply("u", "my son relapsed after rehab, what now") for _ in range(20)}
    assert len(replies) == 1


def test_a_matched_reply_has_no_unmatched_text(lantern):
    assert lantern.reply("u", "why cant my son just quit").unmatched_text is None


# --- clarify: two intents tie ---------------------------------------------------------------------

TINY_INTENTS = """\
intents:
  - id: garden_roses
    answer: roses
    examples:
      - how do i look after my garden roses
      - pruning roses in winter
  - id: garden_tulips
    answer: tulips
    examples:
      - how do i look after my garden tulips
      - when to plant tulip bulbs
"""
TINY_ANSWERS = """\
answers:
  roses:
    title: "Roses"
    text: "Roses like sun."
    sources: [a garden book]
  tulips:
    title: "Tulips"
    text: "Tulips like cold winters."
    sources: [a garden book]
"""


@pytest.fixture(scope="module")
def garden(tmp_path_factory: pytest.TempPathFactory) -> Lantern:
    """Two intents whose examples share the same question, with the shipped help lines and texts."""
    root = tmp_path_factory.mktemp("garden")
    (root / "intents").mkdir()
    (root / "responses").mkdir()
    shutil.copy(DEFAULT_INTENTS_DIR / "crisis.yaml", root / "intents")
    for name in ("crisis.yaml", "hotlines.yaml", "interface.yaml"):
        shutil.copy(DEFAULT_RESPONSES_DIR / name, root / "responses")
    (root / "intents" / "garden.yaml").write_text(TINY_INTENTS, encoding="utf-8")
    (root / "responses" / "garden.yaml").write_text(TINY_ANSWERS, encoding="utf-8")
    return Lantern(load_catalog(root / "intents", root / "responses", MatchingSettings()))


def test_when_two_topics_tie_lantern_asks_which_was_meant(garden):
    reply = garden.reply("u", "how do i look after my garden")
    assert reply.kind == "clarify"
    assert {s.answer_id for s in reply.suggestions} == {"roses", "tulips"}
    assert reply.text.startswith(garden.ui("clarify")) and reply.help_line


def test_a_clear_winner_is_answered_not_clarified(garden):
    reply = garden.reply("u", "pruning roses in winter")
    assert reply.kind == "answer"
    assert reply.intent == "garden_roses"


def test_the_tiny_catalog_still_catches_a_crisis(garden):
    reply = garden.reply("u", "i want to kill myself")
    assert reply.kind == "crisis" and "988" in reply.text


# --- the Matcher on its own ------------------------------------------------------------------------------


def test_a_tie_within_the_margin_is_clarify():
    matcher = plain_matcher(IntentPhrases("a", ["plant roses in spring"], []),
                            IntentPhrases("b", ["plant roses in autumn"], []), margin=4.0)
    result = matcher.match("plant roses")
    assert result.kind == "clarify"
    assert {r.intent for r in result.ranked[:2]} == {"a", "b"}


def test_a_wider_margin_turns_a_near_tie_into_clarify():
    intents = (IntentPhrases("a", ["how to plant roses in spring"], []),
               IntentPhrases("b", ["how to prune apple trees in spring"], []))
    narrow = plain_matcher(*intents, threshold=50.0, margin=0.0).match("how to plant roses in spring please")
    wide = plain_matcher(*intents, threshold=50.0, margin=100.0).match("how to plant roses in spring please")
    assert narrow.kind == "answer" and narrow.best.intent == "a"
    assert wide.kind == "clarify"


def test_below_the_threshold_is_fallback():
    matcher = plain_matcher(IntentPhrases("a", ["how do i plant roses"], []), threshold=99.0)
    assert matcher.match("how do i grow roses").kind == "fallback"
    assert plain_matcher(IntentPhrases("a", ["how do i plant roses"], []), threshold=50.0).match(
        "how do i grow roses").kind == "answer"


def test_a_keyword_lifts_its_intent():
    without = plain_matcher(IntentPhrases("a", ["tell me about roses"], []))
    with_kw = plain_matcher(IntentPhrases("a", ["tell me about roses"], ["pruning"]))
    plain = without.match("pruning roses question").best.score
    boosted = with_kw.match("pruning roses question").best.score
    assert boosted == min(100.0, plain + KEYWORD_BONUS)
    assert boosted > plain


def test_an_intent_whose_needed_words_are_missing_is_never_the_answer():
    def garden(needs: list[str]) -> Matcher:
        return plain_matcher(IntentPhrases("loss", ["is it my fault my roses died"], [], needs_one_of=needs),
                             threshold=60.0)
    # The same frame without the word that makes it about a loss: held just under the threshold.
    assert garden([]).match("is it my fault my roses wilt").kind == "answer"
    held = garden(["died", "dead"]).match("is it my fault my roses wilt")
    assert held.kind == "fallback" and held.best.score == 59.0
    # Any one of the words, as a whole word or phrase of the message, lets it answer as before.
    assert garden(["died", "dead"]).match("is it my fault my roses died").kind == "answer"
    assert garden(["are dead"]).match("is it my fault my roses are dead").kind == "answer"
    # A typo of a needed word is read as the word, as everywhere else in matching.
    assert garden(["died"]).match("is it my fault my roses diedd").kind == "answer"


def test_a_needed_word_counts_in_its_normalised_form():
    lexicon = Lexicon({"dyed": "died"}, {"passed away": "died"}, frozenset())
    matcher = Matcher([IntentPhrases("loss", ["is it my fault my roses died"], [], needs_one_of=["died"])],
                      Normaliser(lexicon), 60.0, 4.0)
    assert matcher.match("is it my fault my roses passed away").kind == "answer"
    assert matcher.match("is it my fault my roses dyed").kind == "answer"
    assert matcher.lacks_needed_words("loss", "is it my fault my roses wilt")
    assert not matcher.lacks_needed_words("loss", "my roses passed away")


@pytest.mark.parametrize("text", ["is it my fault he uses", "how do i get my wife back",
                                  "how do i know if my daughter is using again"])
def test_living_loved_ones_never_get_the_grief_or_suicide_answer(lantern, text):
    reply = lantern.reply("u", text)
    assert reply.intent not in {"grief_after_overdose", "suicide_risk"}


def test_a_death_still_gets_the_grief_answer(lantern):
    assert lantern.reply("u", "is it my fault my son died, i gave him money").intent == "grief_after_overdose"


def test_a_held_back_topic_is_offered_on_the_fallback(lantern):
    """An overdose may or may not have been a death: ask, with the grief topic among the near ones."""
    reply = lantern.reply("u", "my wife overdosed last month, was it my fault")
    assert reply.kind == "fallback"
    offered = [s.answer_id for s in reply.suggestions]
    assert "grief_after_overdose" in offered[:3]
    assert offered[-1] == TOPICS
    assert lantern.ui("fallback_suggest") in reply.text


def test_no_words_is_empty_not_fallback():
    matcher = plain_matcher(IntentPhrases("a", ["hello"], []))
    assert matcher.match("😢😢😢").kind == "empty"
    assert matcher.match("   ").kind == "empty"


def test_at_most_five_candidates_are_kept():
    intents = [IntentPhrases(name, [f"question about {name} roses"], []) for name in "abcdefg"]
    assert len(plain_matcher(*intents).match("question about roses").ranked) == 5


def test_leaving_an_example_out_scores_against_the_others_only():
    matcher = plain_matcher(IntentPhrases("a", ["how do i plant roses", "roses planting guide"], []))
    position = matcher.positions[("a", 0)]
    _, with_it = matcher.rank("how do i plant roses")
    _, without = matcher.rank("how do i plant roses", exclude=position)
    assert with_it[0].score == 100.0
    assert without[0].score < 100.0


def test_matcher_and_shipped_example_agree(catalog):
    # Every intent's own first example finds that intent (the examples are what teach it).
    for intent_id in ("why_cant_they_stop", "night_cravings", "naloxone", "greeting"):
        intent = catalog.intent(intent_id)
        result = catalog.matcher.match(intent.examples[0].text)
        assert result.best is not None and result.best.intent == intent_id


# --- short messages and small talk around a question ---------------------------------------------------


def test_a_one_word_message_inside_an_example_is_no_full_match():
    """'ok' found inside 'is it ok to mix them' used to score as a full match."""
    matcher = plain_matcher(IntentPhrases("mixing", ["is it ok to mix them", "mixing pills and heroin"], []),
                            IntentPhrases("ack", ["ok", "alright"], [], small_talk=True))
    ranked = dict((r.intent, r.score) for r in matcher.match("ok").ranked)
    assert ranked["ack"] == 100.0
    assert ranked.get("mixing", 0.0) < 72.0


def test_a_one_word_example_inside_a_long_message_is_no_full_match():
    matcher = plain_matcher(IntentPhrases("ack", ["ok", "alright"], [], small_talk=True),
                            IntentPhrases("detox", ["what happens in medical detox", "is detox safe"], []))
    result = matcher.match("is it ok to go through detox at home alone")
    assert result.best is not None and result.best.intent == "detox"


@pytest.mark.parametrize(("text", "intent"), [("ok", "acknowledge"), ("okay", "acknowledge"), ("no", "decline"),
                                              ("nope", "decline"), ("yes", "agree"), ("sure", "agree")])
def test_short_replies_are_small_talk_not_topics(lantern, text, intent):
    result = lantern.catalog.matcher.match(text)
    assert result.kind == "answer" and result.best.intent == intent


def test_a_single_word_topic_is_still_answered(lantern):
    for text, intent in [("naloxone", "naloxone"), ("withdrawal", "withdrawal"), ("relapse", "relapse")]:
        assert lantern.reply("u", text).intent == intent


def test_small_talk_in_a_near_tie_gives_way_to_the_question_after_it(lantern):
    """'thanks, that helped.' first no longer ties with the question that follows."""
    reply = lantern.reply("u", "thank you, that was useful. what about depression after detox?")
    assert reply.intent == "depression_after_detox"


def test_a_short_thanks_stays_thanks(lantern):
    assert lantern.reply("u", "thanks, that helped").intent == "thanks"


def test_a_greeting_sentence_before_a_question_does_not_dilute_it(lantern):
    """Scored whole, 'hello.' pulled the question under the threshold of its own topic."""
    whole = lantern.catalog.matcher.match("hello. my son relapsed last week, what now?")
    alone = lantern.catalog.matcher.match("my son relapsed last week, what now?")
    assert whole.kind == alone.kind == "answer"
    assert whole.best == alone.best


def test_a_greeting_then_small_talk_stays_small_talk(lantern):
    assert lantern.reply("u", "hi. how are you").intent == "greeting"


def test_a_word_the_intent_is_never_with_keeps_it_from_answering():
    def garden(never: list[str]) -> Matcher:
        return plain_matcher(IntentPhrases("bloom", ["my roses bloomed for thirty days"], [], never_with=never),
                             threshold=60.0)
    assert garden([]).match("my roses bloomed thirty days then wilted").kind == "answer"
    held = garden(["wilted"]).match("my roses bloomed thirty days then wilted")
    assert held.kind == "fallback" and held.best.score == 59.0


def test_a_topic_about_one_substance_does_not_answer_a_message_naming_another():
    matcher = plain_matcher(
        IntentPhrases("heroin_habit", ["can you get addicted to heroin", "how addictive is heroin",
                                       "is heroin addictive the first time"], []),
        IntentPhrases("general", ["can you get addicted to anything"], []), threshold=50.0,
        substances=Substances(frozenset({"heroin", "methadone"}), frozenset({"heroin", "methadone"})))
    assert matcher.match("can you get addicted to heroin").best.intent == "heroin_habit"
    named_other = matcher.match("can you get addicted to methadone")
    assert named_other.best.intent != "heroin_habit"


def test_without_a_list_of_substances_no_topic_is_held_back_for_naming_one():
    matcher = plain_matcher(
        IntentPhrases("heroin_habit", ["can you get addicted to heroin", "how addictive is heroin",
                                       "is heroin addictive the first time"], []), threshold=50.0)
    assert matcher.match("can you get addicted to methadone").best.intent == "heroin_habit"


def test_a_long_message_not_clearly_about_one_topic_is_clarified(lantern):
    story = ("So this week has been a lot. Work was rough, my sister came over and we argued about money, then I "
             "could not sleep and kept thinking about the old days and my old friends from back then")
    reply = lantern.reply("u", story)
    assert reply.kind in {"clarify", "fallback", "smalltalk"}
    assert reply.help_line


@pytest.mark.parametrize("text", [
    "made it 12 days and then relapsed again last night",
    "i had 5 weeks and slipped on friday, back to day one",
])
def test_a_relapse_after_a_count_of_days_is_no_milestone(lantern, text):
    assert lantern.reply("u", text).intent != "milestones"


@pytest.mark.parametrize("text", ["can u get hooked on suboxone", "is methadone addictive too"])
def test_a_question_about_one_medicine_is_not_answered_about_heroin(lantern, text):
    assert lantern.reply("u", text).intent != "how_addictive"


def test_a_medium_score_without_the_topics_own_subject_is_asked_about_not_answered():
    force = IntentPhrases("force", ["how can i force my daughter into treatment", "can i force my son into rehab",
                                    "force an adult into treatment"], [])
    # Frame and family words are everyone's: they are no topic's subject.
    others = [IntentPhrases(topic, [f"{topic} tips for my daughter", f"can i talk to my son about {topic}",
                                    f"how {topic} works"], []) for topic in ("homework", "money", "cooking", "driving")]
    matcher = plain_matcher(force, *others, threshold=45.0, margin=2.0)
    assert matcher.match("can i force my daughter into rehab").kind == "answer"
    # The frame and the family words alone, with a medium score: no answer about forcing treatment.
    shared_frame = matcher.match("how can i improve things with my daughter")
    assert shared_frame.best.intent == "force"
    assert shared_frame.kind != "answer"


def test_a_message_naming_only_a_substance_lantern_does_not_cover_gets_no_opioid_answer(lantern):
    reply = lantern.reply("u", "what are the treatments for alcohol withdrawal")
    assert reply.intent != "withdrawal"
