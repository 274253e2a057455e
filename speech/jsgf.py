"""A :class:`speech.recognizer.Grammar` written as a JSGF grammar, for PocketSphinx.

A strict grammar is one phrase of the list, or a run of its single words. An open grammar (an
address) is: optional words, a phrase, optionally words and a second phrase, optional words —
"twelve thirty four washington street", "corner of school street and washington street".
"""

from __future__ import annotations

from speech.recognizer import Grammar


def _alternatives(items: tuple[str, ...]) -> str:
    return " | ".join(f"( {item} )" if " " in item else item for item in items)


def to_jsgf(grammar: Grammar) -> str:
    """The JSGF text of ``grammar`` (its words must be in the decoder's dictionary)."""
    rules = ["#JSGF V1.0;", "grammar voice311;"]
    if grammar.phrases:
        rules.append(f"<phrase> = {_alternatives(grammar.phrases)};")
    if grammar.words:
        rules.append(f"<word> = {_alternatives(grammar.words)};")
    if grammar.strict or not (grammar.phrases and grammar.words):
        parts = ["<phrase>"] if grammar.phrases else []
        if grammar.words:
            parts.append("<word>+")
        rules.append(f"public <utterance> = {' | '.join(parts)};")
    else:
        rules.append("public <utterance> = [<word>+] <phrase> [<word>+ <phrase>] [<word>+];")
    return "\n".join(rules) + "\n"
