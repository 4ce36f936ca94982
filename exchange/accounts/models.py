import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from exchange.accounts.roles import ADMIN_ROLES, ROLES_BY_KIND, OrganisationKind, Role
from exchange.accounts.states import INVITATION_LIFECYCLE, InvitationStatus
from exchange.models import LifecycleEvent, TimeStampedModel
from exchange.validators import validate_name


class Organisation(TimeStampedModel):
    """A company or institution whose people use the exchange: merchant, buyer, assessor, the exchange."""

    name = models.CharField(_("name"), max_length=200, validators=[validate_name])
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name", "id"], name="accounts_org_name_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=OrganisationKind.values),
                name="accounts_organisation_kind_valid",
            ),
            models.UniqueConstraint(fields=["name"], name="accounts_organisation_unique_name"),
        ]

    def __str__(self):
        return self.name

    def allows_role(self, role) -> bool:
        return Role(role) in ROLES_BY_KIND[OrganisationKind(self.kind)]


class User(AbstractUser):
    """A person. Each belongs to one organisation and holds one role in it (superusers may have none)."""

    # Names appear on events, reviews and the members page: visible characters only.
    first_name = models.CharField(
        _("first name"), max_length=150, blank=True, validators=[validate_name]
    )
    last_name = models.CharField(
        _("last name"), max_length=150, blank=True, validators=[validate_name]
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # Senior compliance reviewers take the items the automated checks flag as high risk
    # (undeclared personal information, important data).
    is_senior_reviewer = models.BooleanField(_("senior compliance reviewer"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="") | models.Q(role__in=Role.values),
                name="accounts_user_role_valid",
            ),
            # A role means nothing outside an organisation.
            models.CheckConstraint(
                condition=models.Q(role="") | models.Q(organisation__isnull=False),
                name="accounts_user_role_needs_organisation",
            ),
            # "Alice" and "alice" are one login; one e-mail address is one person.
            models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_ci_unique",
                violation_error_code="username_taken",
                violation_error_message=_("A user with that username already exists."),
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_ci_unique",
                violation_error_code="email_taken",
                violation_error_message=_("An account with this e-mail address already exists."),
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    def clean(self):
        super().clean()
        if self.role and self.organisation_id is None:
            raise ValidationError(
                {"organisation": _("A user with a role must belong to an organisation.")}
            )
        if self.role and self.organisation and not self.organisation.allows_role(self.role):
            raise ValidationError(
                {
                    "role": _("A %(kind)s organisation cannot have the role “%(role)s”.")
                    % {
                        "kind": self.organisation.get_kind_display(),
                        "role": self.get_role_display(),
                    }
                }
            )

    def has_role(self, *roles) -> bool:
        return self.is_active and self.role in roles

    @property
    def is_organisation_admin(self) -> bool:
        return self.is_active and self.role in ADMIN_ROLES


def new_invitation_token() -> str:
    """The secret of an invitation link. Only its hash is stored (``hash_invitation_token``)."""
    return secrets.token_urlsafe(32)


def hash_invitation_token(token: str) -> str:
    """SHA-256 (hex) of a link's secret: a copy of the database opens no invitation."""
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(TimeStampedModel):
    """An organisation admin's invitation for a new member, redeemed once through a secret link."""

    LIFECYCLE = INVITATION_LIFECYCLE

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    # The link's secret is e-mailed and never stored; this is its SHA-256.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=InvitationStatus.choices,
        default=InvitationStatus.PENDING,
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("expires at"))
    accepted_by = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation",
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="accounts_inv_org_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=InvitationStatus.values),
                name="accounts_invitation_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="accounts_invitation_role_valid"
            ),
            # One open invitation per address and organisation: re-inviting resends the same one.
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=models.Q(status="pending"),
                name="accounts_invitation_one_pending_per_email",
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.organisation}"


class InvitationEvent(LifecycleEvent):
    subject = models.ForeignKey(
        Invitation, verbose_name=_("invitation"), on_delete=models.PROTECT, related_name="events"
    )

    class Meta(LifecycleEvent.Meta):
        verbose_name = _("invitation event")
        verbose_name_plural = _("invitation events")
        indexes = [
            models.Index(
                fields=["subject", "occurred_at", "id"], name="accounts_ievent_subject_idx"
            )
        ]
