"""A tiny RTSP camera for tests: serves a video file in a loop on rtsp://127.0.0.1:PORT/PATH.

Run it with Debian's system Python (python3-gi is a Debian package, not a wheel)::

    /usr/bin/python3 tests/rtsp_server.py --port 8554 \
        --file service/offline/samples/intel_one_by_one.mp4

It prints ``ready rtsp://127.0.0.1:PORT/PATH`` once it listens, then serves until killed.

By default the file's own H.264 is re-streamed as it is (``qtdemux ! rtph264pay``: no
decoding, almost no CPU), which needs an MP4/MOV file with H.264 video. ``--reencode``
decodes any file GStreamer can read and encodes H.264 with ``x264enc tune=zerolatency``
(decoding H.264 itself then needs gstreamer1.0-libav as well).

Each client gets its own pipeline that starts at the beginning of the file; at the end of the
file the pipeline seeks back to the start, so the stream never ends.

Debian packages (Debian 12; scripts/install-system-deps.sh installs them):
python3-gi, gir1.2-gst-rtsp-server-1.0 (pulls in libgstrtspserver-1.0-0 and the GStreamer
GObject-introspection data), gstreamer1.0-plugins-base, gstreamer1.0-plugins-good (qtdemux,
rtph264pay, udpsink) and gstreamer1.0-plugins-ugly (x264enc, only for ``--reencode``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # type: ignore[import-not-found]  # noqa: E402


def launch_line(path: Path, reencode: bool) -> str:
    location = str(path.resolve()).replace("\\", "\\\\").replace('"', '\\"')
    source = f'filesrc location="{location}"'
    if reencode:
        return (
            f"( {source} ! decodebin ! videoconvert ! video/x-raw,format=I420 ! "
            "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! "
            "rtph264pay name=pay0 pt=96 config-interval=-1 )"
        )
    return f"( {source} ! qtdemux ! video/x-h264 ! rtph264pay name=pay0 pt=96 config-interval=-1 )"


def loop_at_end(media: Any) -> None:
    """Turn the end of the file into a seek back to its start: the end-of-stream event is
    dropped before it reaches the payloader and a flushing seek is made from the main loop."""
    bin_ = media.get_element()
    payloader = bin_.get_by_name("pay0")
    pipeline = bin_
    while pipeline.get_parent() is not None:
        pipeline = pipeline.get_parent()

    def rewind() -> bool:
        pipeline.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH | Gst.SeekFlags.KEY_UNIT, 0)
        return False

    def on_event(_pad: Any, info: Any) -> Any:
        event = info.get_event()
        if event is not None and event.type == Gst.EventType.EOS:
            GLib.idle_add(rewind)
            return Gst.PadProbeReturn.DROP
        return Gst.PadProbeReturn.OK

    payloader.get_static_pad("sink").add_probe(Gst.PadProbeType.EVENT_DOWNSTREAM, on_event)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8554)
    parser.add_argument("--file", type=Path, required=True, help="the video to serve")
    parser.add_argument("--path", default="/camera", help="the stream's path (default /camera)")
    parser.add_argument("--reencode", action="store_true", help="decode and encode with x264")
    args = parser.parse_args()
    if not args.file.is_file():
        print(f"{args.file}: no such file", file=sys.stderr)
        return 2
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch_line(args.file, args.reencode))
    factory.set_shared(False)
    factory.connect("media-configure", lambda _factory, media: loop_at_end(media))
    path = "/" + args.path.lstrip("/")
    server.get_mount_points().add_factory(path, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr)
        return 1
    print(f"ready rtsp://127.0.0.1:{args.port}{path}", flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
