"""Who is asking head office: a token in ``Authorization: Bearer`` (API clients) or in the
sign-in cookie (pages, so that a clip's video loads by its URL), its role and scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from etiquette.service.hq.db import HqStore
from etiquette.service.hq.queries import Scope

COOKIE = "etiquette_hq_token"


@dataclass(frozen=True)
class Caller:
    name: str
    role: str
    scope: Scope

    def may_see(self, branch: str, region: str | None) -> bool:
        if self.scope.branch is not None:
            return branch == self.scope.branch
        if self.scope.region is not None:
            return region == self.scope.region
        return True


def _token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(COOKIE)


def caller_of(store: HqStore, token: str | None) -> Caller | None:
    row = store.token(token or "")
    if row is None:
        return None
    scope = Scope(
        region=row.scope if row.role == "region" else None,
        branch=row.scope if row.role == "branch" else None,
    )
    return Caller(name=row.name, role=row.role, scope=scope)


def current_caller(request: Request) -> Caller:
    store: HqStore = request.app.state.store
    caller = caller_of(store, _token(request))
    if caller is None:
        raise HTTPException(
            401,
            detail="请先登录（令牌无效或缺失） sign in: the token is missing or not valid",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]
