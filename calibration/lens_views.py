"""The chessboard views the calibration page collects for one camera's lens, kept in a
folder (a page reload, or a restart, keeps them): each view's picture and the board corners
found in it. A view is refused, saying what to do, when no board is found in it, when it is
of another size than the views kept, or when it nearly repeats one of them: the same pose
again adds nothing to the fit and only weighs that part of the picture more."""

from __future__ import annotations

import json
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from etiquette.calibration.errors import CalibrationError
from etiquette.calibration.intrinsics import Board, find_corners

MAX_VIEWS = 60  # 10-20 make a good fit; more only slows the fit down
# Two views whose corners lie this close on average (share of the picture's diagonal) show
# the board in the same pose: 4 px at 640x480. The 19 real webcam views are >= 12 px apart.
DUPLICATE_SHARE = 0.005
VIEW_ID = re.compile(r"^v(\d{4})$")
BOARD_FILE = "board.json"
Source = Literal["camera", "upload"]


@dataclass(frozen=True)
class LensView:
    id: str  # v0001: its number stays when others are deleted
    number: int
    source: Source
    label: str  # the uploaded file's name, or "camera"
    size: tuple[int, int]
    corners: np.ndarray  # (n, 2) pixels, as the detector orders them


def board_label(board: Board) -> str:
    return f"{board.columns}x{board.rows}"


def _near_duplicate(new: np.ndarray, kept: np.ndarray, size: tuple[int, int]) -> bool:
    # Nearest corners, not same-index ones: a square board found turned by 90 or 180
    # degrees lists the same corners in another order.
    distances = np.linalg.norm(new[:, None, :] - kept[None, :, :], axis=2).min(axis=1)
    return float(distances.mean()) < DUPLICATE_SHARE * float(np.hypot(*size))


class LensViews:
    """One camera's views in ``folder``: vNNNN.json (corners and where the view came from)
    beside vNNNN.jpg or .png (the picture), and board.json (the board they show)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lock = threading.Lock()  # one change at a time: numbering and duplicate checks

    def board(self) -> tuple[Board, float] | None:
        """The board the kept views show and its square size in mm (None: no views yet)."""
        path = self.folder / BOARD_FILE
        if not path.exists() or not self.views():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        square_mm = float(data["square_mm"])
        return Board(int(data["columns"]), int(data["rows"]), square_mm / 1000), square_mm

    def views(self) -> list[LensView]:
        views = []
        for path in sorted(self.folder.glob("v*.json")):
            match = VIEW_ID.match(path.stem)
            if match is None:
                continue
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                view = LensView(
                    id=path.stem,
                    number=int(match.group(1)),
                    source=data["source"],
                    label=data["label"],
                    size=(int(data["size"][0]), int(data["size"][1])),
                    corners=np.asarray(data["corners"], np.float32).reshape(-1, 2),
                )
            except (ValueError, KeyError, TypeError, IndexError):
                continue  # a file damaged outside this program: that view is not kept
            views.append(view)
        return views

    def size(self) -> tuple[int, int] | None:
        views = self.views()
        return views[0].size if views else None

    def picture(self, view_id: str) -> Path | None:
        if VIEW_ID.match(view_id) is None:
            return None
        for suffix in (".jpg", ".png"):
            path = self.folder / f"{view_id}{suffix}"
            if path.exists():
                return path
        return None

    def add(
        self,
        encoded: bytes,
        image: np.ndarray,
        board: Board,
        square_mm: float,
        source: Source,
        label: str,
    ) -> LensView:
        """Keep a view (``encoded``: the picture as sent, ``image`` decoded), or refuse it."""
        with self.lock:
            views = self.views()
            size = (int(image.shape[1]), int(image.shape[0]))
            self._check_fits(views, board, size)
            corners = find_corners(image, board)
            if corners is None:
                raise _no_board(board)
            corners = corners.reshape(-1, 2)
            for kept in views:
                if _near_duplicate(corners, kept.corners, size):
                    raise CalibrationError(
                        f"this view is nearly the same as view {kept.number}: move the board "
                        "to another part of the picture or tilt it, then try again",
                        f"这个视角和第 {kept.number} 张几乎一样：请把棋盘移到画面的其他位置"
                        "或换个倾斜角度，再拍",
                    )
            number = max((v.number for v in views), default=0) + 1
            view = LensView(f"v{number:04d}", number, source, label[:80], size, corners)
            self.folder.mkdir(parents=True, exist_ok=True)
            self._write_board(board, square_mm)
            suffix = ".jpg" if encoded[:2] == b"\xff\xd8" else ".png"
            if suffix == ".png" and not encoded.startswith(b"\x89PNG"):
                encoded = bytes(cv2.imencode(".png", image)[1])  # another format: kept as PNG
            (self.folder / f"{view.id}{suffix}").write_bytes(encoded)
            meta = {"source": source, "label": view.label, "size": list(size)}
            meta["corners"] = np.round(corners.astype(np.float64), 3).tolist()
            # The JSON last, whole: a view is listed only once its picture is there.
            temporary = self.folder / f"{view.id}.json.tmp"
            temporary.write_text(json.dumps(meta), encoding="utf-8")
            temporary.replace(self.folder / f"{view.id}.json")
            return view

    def _check_fits(self, views: list[LensView], board: Board, size: tuple[int, int]) -> None:
        if len(views) >= MAX_VIEWS:
            raise CalibrationError(
                f"{MAX_VIEWS} views are kept already, more than a good fit needs (10-20): "
                "delete the views with the largest error first",
                f"已经有 {MAX_VIEWS} 个视角，比需要的（10 到 20 个）多得多：请先删掉误差最大的几个",
            )
        kept = self.board()
        if kept is not None and (kept[0].columns, kept[0].rows) != (board.columns, board.rows):
            old, new = board_label(kept[0]), board_label(board)
            raise CalibrationError(
                f"the views kept show a board of {old} inner corners, not {new}: set the board "
                f"size back to {old}, or clear all views to start again with another board",
                f"已有的视角拍的是 {old} 内角点的棋盘，不是 {new}：请把棋盘格大小改回 {old}，"
                "或先清空全部视角再用另一块棋盘重新拍",
            )
        if views and views[0].size != size:
            (w, h), (kw, kh) = size, views[0].size
            raise CalibrationError(
                f"this picture is {w}x{h} but the views kept are {kw}x{kh}: the camera's "
                "picture size changed; clear all views and capture them again",
                f"这张画面是 {w}x{h}，而已有的视角是 {kw}x{kh}：摄像头的画面大小变了；"
                "请清空全部视角后重新拍",
            )

    def _write_board(self, board: Board, square_mm: float) -> None:
        data = {"columns": board.columns, "rows": board.rows, "square_mm": square_mm}
        (self.folder / BOARD_FILE).write_text(json.dumps(data), encoding="utf-8")

    def delete(self, view_id: str) -> bool:
        with self.lock:
            picture = self.picture(view_id)
            meta = self.folder / f"{view_id}.json"
            if picture is None or not meta.exists():
                return False
            meta.unlink()
            picture.unlink()
            return True

    def clear(self) -> None:
        with self.lock:
            shutil.rmtree(self.folder, ignore_errors=True)


def _no_board(board: Board) -> CalibrationError:
    size = board_label(board)
    return CalibrationError(
        f"no chessboard of {size} inner corners found: have the whole board in the picture, "
        "flat, evenly lit and without glare, and check the board size (inner corners, where "
        "four squares meet, not squares)",
        f"没有找到 {size} 内角点的棋盘格：请让整个棋盘都在画面里，放平，光线均匀、不反光；"
        "并确认棋盘格大小填的是内角点数（四个方格相交的点），不是方格数",
    )
