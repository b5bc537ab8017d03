"""Staff or customer, and why."""

from __future__ import annotations

from dataclasses import dataclass, field

from etiquette.rules.config import RolesConfig
from etiquette.vision.joints import Role


@dataclass
class RoleKeeper:
    """One track's role: staff once it has stayed at a post (or is enrolled), customer once it
    came in through the door. Decisions stick."""

    track_id: int
    config: RolesConfig
    role: Role = Role.UNKNOWN
    reason: str = "not yet decided"
    post_seconds: dict[str, float] = field(default_factory=dict)
    post: str | None = None  # the post it stands at now
    faces_post: str | None = None  # the camera faces this post: whoever it sees stands there

    def __post_init__(self) -> None:
        if self.faces_post is not None:
            self.role, self.post = Role.STAFF, self.faces_post
            self.reason = f"seen by the camera facing post {self.faces_post}"
        elif self.track_id in self.config.enrolled_staff:
            self.role, self.reason = Role.STAFF, "enrolled as staff"

    def update(self, dt: float, post: str | None) -> None:
        """A customer who then stays at a staff post was staff coming in to work."""
        if self.faces_post is not None:
            return
        self.post = post
        if post is None or self.role == Role.STAFF:
            return
        self.post_seconds[post] = self.post_seconds.get(post, 0.0) + dt
        if self.post_seconds[post] >= self.config.staff_dwell_s:
            self.role = Role.STAFF
            self.reason = f"stayed {self.post_seconds[post]:.0f} s at post {post}"

    def arrived(self) -> bool:
        """Came in through the door: a customer, unless already staff."""
        if self.role == Role.UNKNOWN:
            self.role, self.reason = Role.CUSTOMER, "came in through the door"
        return self.role == Role.CUSTOMER


ROLE_NAMES = {Role.STAFF: "staff", Role.CUSTOMER: "customer"}
