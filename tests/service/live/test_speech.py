"""Spoken prompts rendered for real with espeak-ng (espeakng-loader), decoded back with PyAV."""

from __future__ import annotations

import threading
from pathlib import Path

import av
import numpy as np
import pytest

from etiquette.service.live.speech import EspeakEngine, PromptVoice, SpeechError, engine, mime_type

MANDARIN = "客户进门，请迎宾"
PINYIN = "ke4 hu4 jin4 men2, qing3 ying2 bin1"  # the same prompt, with tone digits
ENGLISH = "A customer has come in, please greet them."
MIN_RMS = 0.02  # full scale 1.0; silence or dither is far below


def decode(path: Path) -> tuple[np.ndarray, int]:
    """Mono float samples in [-1, 1] and their rate, as a player would get them."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        chunks = [frame.to_ndarray().reshape(-1) for frame in container.decode(stream)]
        rate = stream.codec_context.sample_rate
    samples = np.concatenate(chunks)
    if samples.dtype == np.int16:
        return samples.astype(np.float32) / 32768.0, rate
    return samples.astype(np.float32), rate


def duration_and_rms(path: Path) -> tuple[float, float]:
    samples, rate = decode(path)
    return len(samples) / rate, float(np.sqrt(np.mean(samples**2)))


@pytest.fixture
def voice(tmp_path: Path) -> PromptVoice:
    return PromptVoice(tmp_path / "prompts")


@pytest.mark.parametrize(("text", "language"), [(MANDARIN, "cmn"), (ENGLISH, "en")])
def test_renders_real_speech(tmp_path: Path, text: str, language: str) -> None:
    path = PromptVoice(tmp_path, voice=language).audio_for(text)
    assert path.is_file()
    assert path.suffix == ".ogg"
    assert mime_type(path) == "audio/ogg"
    duration, rms = duration_and_rms(path)
    assert 0.5 < duration < 10.0
    assert rms > MIN_RMS
    # Opus at ~24 kbps: a few KB a second, far below the 44 KB/s of the PCM.
    assert 1_000 < path.stat().st_size < 6_000 * duration


def test_second_request_is_served_from_the_cache(voice: PromptVoice) -> None:
    first = voice.audio_for(MANDARIN)
    mtime = first.stat().st_mtime_ns
    second = voice.audio_for(MANDARIN)
    assert second == first
    assert second.stat().st_mtime_ns == mtime
    assert voice.renders == 1
    # A new instance on the same folder (a restarted service) renders nothing either.
    again = PromptVoice(voice.cache_dir)
    assert again.audio_for(MANDARIN) == first
    assert again.renders == 0


def test_cache_key_covers_text_voice_and_speed(tmp_path: Path) -> None:
    default = PromptVoice(tmp_path)
    paths = {
        default.audio_for(MANDARIN),
        default.audio_for("请迎宾"),
        PromptVoice(tmp_path, speed_wpm=120).audio_for(MANDARIN),
        PromptVoice(tmp_path, voice="en").audio_for(MANDARIN),
    }
    assert len(paths) == 4
    assert len(list(tmp_path.iterdir())) == 4  # no temporary files left behind


def test_concurrent_requests_render_once(voice: PromptVoice) -> None:
    results: list[Path] = []

    def request() -> None:
        results.append(voice.audio_for(MANDARIN))

    other = PromptVoice(voice.cache_dir)  # a second instance on the same folder

    def request_other() -> None:
        results.append(other.audio_for(MANDARIN))

    threads = [threading.Thread(target=request) for _ in range(6)]
    threads += [threading.Thread(target=request_other) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and len(results) == 9
    assert voice.renders + other.renders == 1
    assert list(voice.cache_dir.iterdir()) == results[:1]
    assert duration_and_rms(results[0])[1] > MIN_RMS


def test_wav_when_opus_is_not_wanted(tmp_path: Path) -> None:
    path = PromptVoice(tmp_path, prefer_opus=False).audio_for(MANDARIN)
    assert path.suffix == ".wav"
    assert mime_type(path) == "audio/wav"
    duration, rms = duration_and_rms(path)
    assert 0.5 < duration < 10.0
    assert rms > MIN_RMS
    assert decode(path)[1] == engine().sample_rate
    # An Opus voice takes a cached WAV (what a failed Opus encoding leaves) ...
    opus_voice = PromptVoice(tmp_path)
    assert opus_voice.audio_for(MANDARIN) == path and opus_voice.renders == 0
    # ... but a WAV voice never serves Opus.
    opus = PromptVoice(tmp_path).audio_for(ENGLISH)
    wav = PromptVoice(tmp_path, prefer_opus=False).audio_for(ENGLISH)
    assert (opus.suffix, wav.suffix) == (".ogg", ".wav") and opus.stem == wav.stem


def test_wav_when_opus_encoding_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> bytes:
        raise ValueError("no libopus")

    monkeypatch.setattr("etiquette.service.live.speech.encode_opus", broken)
    path = PromptVoice(tmp_path).audio_for(MANDARIN)
    assert path.suffix == ".wav"
    assert duration_and_rms(path)[1] > MIN_RMS
    assert [entry.name for entry in tmp_path.iterdir()] == [path.name]


def test_mandarin_voice_reads_characters_as_mandarin() -> None:
    """Not letters and tone digits read in English (what Debian's 1.51 `cmn` does)."""
    speech = engine()
    characters = speech.phonemes(MANDARIN, "cmn")
    assert characters == speech.phonemes(PINYIN, "cmn")  # each character read as its syllable
    assert "tɕ" in characters  # Mandarin j/q (进, 请), no English phoneme
    assert "(en)" not in characters  # espeak marks a switch to English like this
    english_pinyin = speech.phonemes(PINYIN, "en")
    assert "fˈɔː" in english_pinyin  # the check can fail: English says "four" for the tone 4
    assert "fˈɔː" not in characters
    # The letter-and-digit reading is far longer than the Mandarin one.
    mandarin = speech.synthesize(MANDARIN, "cmn", 150).duration
    spelled = speech.synthesize(PINYIN, "en", 150).duration
    assert mandarin < 0.8 * spelled


def test_prompt_text_is_required(voice: PromptVoice) -> None:
    with pytest.raises(ValueError, match="text"):
        voice.audio_for("  ")
    with pytest.raises(ValueError, match="speed_wpm"):
        PromptVoice(voice.cache_dir, speed_wpm=10)


def test_unknown_voice_is_a_speech_error(tmp_path: Path) -> None:
    with pytest.raises(SpeechError, match="no voice"):
        PromptVoice(tmp_path, voice="no-such-voice").audio_for(MANDARIN)


def test_missing_engine_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(SpeechError, match="pip install espeakng-loader"):
        EspeakEngine(tmp_path / "libespeak-ng.so", tmp_path)


def test_mime_type_rejects_other_files() -> None:
    with pytest.raises(ValueError, match="not a prompt"):
        mime_type(Path("prompt.mp3"))
