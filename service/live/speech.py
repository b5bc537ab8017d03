"""Spoken earpiece prompts: rendered offline once per distinct text, then served from a cache.

The engine is libespeak-ng 1.52 as shipped (with its data) by the ``espeakng-loader`` wheel,
called through ctypes in synchronous mode, so the PCM samples come back to a Python callback and
nothing is played or spawned. Voice ``cmn`` speaks Chinese characters (and pinyin) as Mandarin.
Audio is stored as Opus in Ogg (~24 kbps, via PyAV's libopus), or as 16-bit mono WAV when Opus
is not wanted or its encoding fails.
"""

from __future__ import annotations

import ctypes
import hashlib
import io
import logging
import os
import secrets
import threading
import wave
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "install the speech engine into this environment with `pip install espeakng-loader` "
    "(it bundles libespeak-ng 1.52 and its espeak-ng-data)"
)
OPUS_BITRATE = 24_000
OPUS_RATE = 48_000
MIN_WPM, MAX_WPM = 80, 450

# espeak-ng's speak_lib.h constants.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000  # report a bad data path instead of calling exit()
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_PARAM_RATE = 1
_PHONEMES_IPA = 0x02

_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)

_render_lock = threading.Lock()
_SUFFIX_MIME = {".ogg": "audio/ogg", ".opus": "audio/ogg", ".wav": "audio/wav"}


class SpeechError(RuntimeError):
    """The speech engine cannot be loaded or cannot speak the request."""


@dataclass(frozen=True)
class Pcm:
    """Mono 16-bit samples at the engine's rate."""

    samples: np.ndarray
    sample_rate: int

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


def _loader_paths() -> tuple[Path, Path]:
    """The library and data paths that the espeakng-loader wheel ships."""
    try:
        import espeakng_loader  # type: ignore[import-untyped]
    except ImportError as error:
        raise SpeechError(f"espeakng-loader is not installed: {INSTALL_HINT}") from error
    try:
        return Path(espeakng_loader.get_library_path()), Path(espeakng_loader.get_data_path())
    except RuntimeError as error:  # raised when espeak-ng-data is missing
        raise SpeechError(f"espeakng-loader is incomplete ({error}): {INSTALL_HINT}") from error


def _declare(lib: ctypes.CDLL) -> None:
    """Argument and result types of the synth API functions that are called."""
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_SetParameter.restype = ctypes.c_int
    lib.espeak_Synth.argtypes = [
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    lib.espeak_Synth.restype = ctypes.c_int
    lib.espeak_Synchronize.restype = ctypes.c_int
    lib.espeak_TextToPhonemes.argtypes = [
        ctypes.POINTER(ctypes.c_void_p),
        ctypes.c_int,
        ctypes.c_int,
    ]
    lib.espeak_TextToPhonemes.restype = ctypes.c_char_p


class EspeakEngine:
    """libespeak-ng in synchronous mode. Its state is process-wide: use ``engine()``."""

    def __init__(self, library: Path, data: Path) -> None:
        try:
            self._lib = ctypes.CDLL(str(library))
        except OSError as error:
            raise SpeechError(f"cannot load {library} ({error}): {INSTALL_HINT}") from error
        _declare(self._lib)
        rate = self._lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, str(data).encode(), _INITIALIZE_DONT_EXIT
        )
        if rate <= 0:
            raise SpeechError(f"espeak-ng cannot start with data {data}: {INSTALL_HINT}")
        self.sample_rate: int = rate
        self._chunks: list[bytes] = []
        self._callback = _SynthCallback(self._collect)  # kept alive as long as the engine
        self._lib.espeak_SetSynthCallback(self._callback)
        self._lock = threading.Lock()

    def _collect(
        self, wav: ctypes._Pointer[ctypes.c_short], count: int, _events: int | None
    ) -> int:
        if wav and count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 0  # 0 = go on synthesizing

    def _set_voice(self, voice: str, speed_wpm: int) -> None:
        if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise SpeechError(f"espeak-ng has no voice {voice!r}")
        self._lib.espeak_SetParameter(_PARAM_RATE, speed_wpm, 0)

    def synthesize(self, text: str, voice: str, speed_wpm: int) -> Pcm:
        """The whole utterance as PCM samples."""
        data = text.encode()
        with self._lock:
            self._set_voice(voice, speed_wpm)
            self._chunks = []
            status = self._lib.espeak_Synth(
                data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
            )
            self._lib.espeak_Synchronize()
            pcm = b"".join(self._chunks)
            self._chunks = []
        if status != 0 or not pcm:
            raise SpeechError(f"espeak-ng produced no audio for {text!r} (status {status})")
        return Pcm(np.frombuffer(pcm, dtype=np.int16), self.sample_rate)

    def phonemes(self, text: str, voice: str) -> str:
        """espeak-ng's IPA reading of the text, clauses joined by spaces."""
        buffer = ctypes.create_string_buffer(text.encode())
        pointer = ctypes.c_void_p(ctypes.addressof(buffer))
        clauses: list[str] = []
        with self._lock:
            self._set_voice(voice, MIN_WPM)
            while pointer.value:
                result = self._lib.espeak_TextToPhonemes(
                    ctypes.byref(pointer), _CHARS_UTF8, _PHONEMES_IPA
                )
                clauses.append((result or b"").decode())
        return " ".join(clause for clause in clauses if clause)


_engine: EspeakEngine | None = None
_engine_lock = threading.Lock()


def engine() -> EspeakEngine:
    """The process's one espeak-ng engine, loaded on first use."""
    global _engine  # noqa: PLW0603 - the library's state is global, so is its handle
    with _engine_lock:
        if _engine is None:
            _engine = EspeakEngine(*_loader_paths())
        return _engine


def encode_wav(pcm: Pcm) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(pcm.sample_rate)
        writer.writeframes(pcm.samples.astype("<i2").tobytes())
    return out.getvalue()


def encode_opus(pcm: Pcm, bit_rate: int = OPUS_BITRATE) -> bytes:
    """Opus in an Ogg container (libopus takes 48 kHz, so the samples are resampled)."""
    out = io.BytesIO()
    with av.open(out, mode="w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=OPUS_RATE)
        stream.bit_rate = bit_rate
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(pcm.samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = pcm.sample_rate
        frame.pts = 0
        resampler = av.AudioResampler(format="s16", layout="mono", rate=OPUS_RATE)
        for resampled in [*resampler.resample(frame), *resampler.resample(None)]:
            container.mux(stream.encode(resampled))
        container.mux(stream.encode(None))
    return out.getvalue()


def mime_type(path: Path) -> str:
    """The Content-Type of a cached prompt."""
    try:
        return _SUFFIX_MIME[path.suffix.lower()]
    except KeyError:
        raise ValueError(f"not a prompt audio file: {path}") from None


def _write_atomically(path: Path, data: bytes) -> None:
    """Readers see the old file or the whole new one, never a partial one."""
    temporary = path.parent / f".{path.stem}.{secrets.token_hex(8)}.tmp"
    # Not mkstemp (always 0600): the process's umask decides who may read it, as for every
    # other file (`etiquette serve` keeps them private).
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class PromptVoice:
    """Audio files for prompt texts, each rendered once and cached under ``cache_dir``."""

    def __init__(
        self,
        cache_dir: Path,
        voice: str = "cmn",
        speed_wpm: int = 150,
        *,
        prefer_opus: bool = True,
    ) -> None:
        if not MIN_WPM <= speed_wpm <= MAX_WPM:
            raise ValueError(f"speed_wpm must be in [{MIN_WPM}, {MAX_WPM}], got {speed_wpm}")
        self.cache_dir = cache_dir
        self.voice = voice
        self.speed_wpm = speed_wpm
        self.prefer_opus = prefer_opus
        self.renders = 0  # how many texts this instance has synthesized

    def key(self, text: str) -> str:
        """The cache key: sha256 of voice, speed and text."""
        material = f"{self.voice}\0{self.speed_wpm}\0{text}".encode()
        return hashlib.sha256(material).hexdigest()

    def cached(self, text: str) -> Path | None:
        """The cached file for the text, if it has been rendered."""
        key = self.key(text)
        # An Opus voice also takes a WAV left by a failed Opus encoding; a WAV voice takes WAV only.
        suffixes = (".ogg", ".wav") if self.prefer_opus else (".wav",)
        for suffix in suffixes:
            path = self.cache_dir / f"{key}{suffix}"
            if path.is_file():
                return path
        return None

    def audio_for(self, text: str) -> Path:
        """The path of the text's audio, rendered on the first request only."""
        if not text.strip():
            raise ValueError("a prompt needs some text")
        path = self.cached(text)  # files appear whole (atomic rename), so no lock is needed here
        if path is not None:
            return path
        with _render_lock:  # shared by all instances, so one text is rendered once per process
            return self.cached(text) or self._render(text)

    def _render(self, text: str) -> Path:
        pcm = engine().synthesize(text, self.voice, self.speed_wpm)
        self.renders += 1
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        stem = self.cache_dir / self.key(text)
        if self.prefer_opus:
            try:
                path = stem.with_suffix(".ogg")
                _write_atomically(path, encode_opus(pcm))
                return path
            except (av.FFmpegError, ValueError) as error:
                log.warning("Opus encoding failed (%s); caching WAV instead", error)
        path = stem.with_suffix(".wav")
        _write_atomically(path, encode_wav(pcm))
        return path
