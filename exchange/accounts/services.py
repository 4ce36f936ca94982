"""Accounts: sign-up, organisation members and invitations."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from exchange import clock
from exchange.accounts.errors import InvitationNotUsable
from exchange.accounts.models import Invitation, InvitationStatus, Organisation, User
from exchange.accounts.roles import ADMIN_ROLES, OrganisationKind, Role
from exchange.accounts.staff import admin_group_for
from exchange.accounts.tasks import send_invitation
from exchange.errors import DuplicateError, PermissionDeniedError, RuleViolation
from exchange.tasks import enqueue_on_commit

# What a person signing up on their own may open: a merchant applicant or a buyer organisation.
SELF_SERVICE_KINDS = {
    OrganisationKind.MERCHANT: Role.MERCHANT_ADMIN,
    OrganisationKind.BUYER: Role.BUYER,
}


@transaction.atomic
def create_organisation(*, name: str, kind: str, actor: User | None) -> Organisation:
    """Create an organisation. Only operators (or the system, ``actor=None``) create them directly.

    Raises:
        PermissionDeniedError ``permission_denied``; DuplicateError ``organisation_name_taken``.
    """
    if actor is not None and not actor.has_role(Role.OPERATOR):
        raise PermissionDeniedError()
    organisation = Organisation(name=name.strip(), kind=kind)
    organisation.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError as error:
        raise DuplicateError(
            _("An organisation named “%(name)s” already exists."),
            code="organisation_name_taken",
            field="organisation_name",
            params={"name": organisation.name},
        ) from error
    return organisation


@transaction.atomic
def create_user(
    *,
    organisation: Organisation | None,
    username: str,
    email: str,
    password: str = "",
    password_hash: str = "",
    role: str = "",
    first_name: str = "",
    last_name: str = "",
    language: str = settings.LANGUAGE_CODE,
) -> User:
    """Create a login (internal: callers check who may do it).

    Give either ``password`` (checked against the password rules) or ``password_hash``, an
    already-hashed password as Django stores it (imports, demo data).

    Raises:
        ValidationError for a weak password, an unknown role or a role the organisation cannot hold;
        DuplicateError ``username_taken``.
    """
    user = User(
        organisation=organisation,
        username=username.strip(),
        email=email.strip().lower(),
        role=role,
        first_name=first_name,
        last_name=last_name,
        language=language,
    )
    if password_hash:
        user.password = password_hash
    else:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.error_list}) from error
        user.set_password(password)
    user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    group = admin_group_for(role)
    user.is_staff = group is not None  # operators and auditors use the Django admin
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise DuplicateError(
            _("The username “%(username)s” is taken."),
            code="username_taken",
            field="username",
            params={"username": user.username},
        ) from error
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@transaction.atomic
def sign_up(
    *,
    organisation_name: str,
    kind: str,
    username: str,
    email: str,
    password: str,
    full_name: str = "",
) -> User:
    """A person opens an account for their organisation and becomes its admin.

    Merchant applicants become merchant admins (they then file the application); buyers become
    buyers. Exchange staff and assessors are created by operators, never by sign-up.

    Raises:
        RuleViolation ``kind_not_self_service``; DuplicateError; ValidationError (password).
    """
    try:
        role = SELF_SERVICE_KINDS[OrganisationKind(kind)]
    except (KeyError, ValueError) as error:
        raise RuleViolation(
            _("You can sign up as a data merchant applicant or as a buyer."),
            code="kind_not_self_service",
            field="kind",
        ) from error
    organisation = create_organisation(name=organisation_name, kind=kind, actor=None)
    return create_user(
        organisation=organisation,
        username=username,
        email=email,
        password=password,
        role=role,
        first_name=full_name.strip(),
    )


def can_invite(actor: User, organisation: Organisation, role: str) -> bool:
    """Organisation admins invite into their own organisation; operators also staff assessors."""
    if not actor.is_active or actor.role not in ADMIN_ROLES:
        return False
    if not organisation.allows_role(role):
        return False
    if actor.organisation_id == organisation.pk:
        # A merchant admin grants merchant roles; a buyer invites buyers; operators any exchange role.
        return (
            actor.role == Role.OPERATOR
            or Role(role)
            in {
                Role.MERCHANT_ADMIN: {Role.MERCHANT_ADMIN, Role.MERCHANT_STAFF, Role.BUYER},
                Role.BUYER: {Role.BUYER},
            }[Role(actor.role)]
        )
    return actor.role == Role.OPERATOR and organisation.kind == OrganisationKind.SERVICE_PROVIDER


@transaction.atomic
def invite_member(*, organisation: Organisation, email: str, role: str, actor: User) -> Invitation:
    """Invite someone to join ``organisation`` with ``role``; the link is e-mailed after commit.

    Raises:
        RuleViolation ``role_not_allowed``; PermissionDeniedError; DuplicateError ``already_member``
        or ``already_invited``.
    """
    email = email.strip().lower()
    if role not in Role.values or not organisation.allows_role(role):
        raise RuleViolation(
            _("This organisation cannot have members with that role."),
            code="role_not_allowed",
            field="role",
        )
    if not can_invite(actor, organisation, role):
        raise PermissionDeniedError()
    if organisation.members.filter(email__iexact=email).exists():
        raise DuplicateError(
            _("%(email)s is already a member."),
            code="already_member",
            field="email",
            params={"email": email},
        )
    invitation = Invitation(
        organisation=organisation,
        email=email,
        role=role,
        invited_by=actor,
        expires_at=clock.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    invitation.full_clean(exclude=["token"], validate_constraints=False)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as error:
        raise DuplicateError(
            _("%(email)s already has an open invitation."),
            code="already_invited",
            field="email",
            params={"email": email},
        ) from error
    enqueue_on_commit(send_invitation, invitation_id=invitation.pk)
    return invitation


def _usable_invitation(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("organisation")
        .filter(token=token)
        .first()
    )
    if invitation is None or invitation.status != InvitationStatus.PENDING:
        raise InvitationNotUsable()
    if invitation.expires_at <= clock.now():
        raise InvitationNotUsable(code="invitation_expired")
    return invitation


def invitation_for_token(token: str) -> Invitation:
    """The pending invitation behind a link. Raises InvitationNotUsable."""
    with transaction.atomic():
        return _usable_invitation(token)


@transaction.atomic
def accept_invitation(
    *,
    token: str,
    username: str,
    password: str,
    full_name: str = "",
    language: str = settings.LANGUAGE_CODE,
) -> User:
    """Redeem an invitation: create the login, in the organisation and role it names.

    Raises:
        InvitationNotUsable ``invitation_not_usable`` or ``invitation_expired``; DuplicateError;
        ValidationError (password).
    """
    invitation = _usable_invitation(token)
    user = create_user(
        organisation=invitation.organisation,
        username=username,
        email=invitation.email,
        password=password,
        role=invitation.role,
        first_name=full_name.strip(),
        language=language,
    )
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_by = user
    invitation.save(update_fields=["status", "accepted_by", "updated_at"])
    return user


@transaction.atomic
def revoke_invitation(*, invitation: Invitation, actor: User) -> Invitation:
    """Withdraw a pending invitation.

    Raises:
        PermissionDeniedError; InvitationNotUsable when it is no longer pending.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not can_invite(actor, invitation.organisation, invitation.role):
        raise PermissionDeniedError()
    if invitation.status != InvitationStatus.PENDING:
        raise InvitationNotUsable()
    invitation.status = InvitationStatus.REVOKED
    invitation.save(update_fields=["status", "updated_at"])
    return invitation


@transaction.atomic
def expire_invitations() -> int:
    """Mark pending invitations past their time as expired (Celery beat, hourly)."""
    return Invitation.objects.filter(
        status=InvitationStatus.PENDING, expires_at__lte=clock.now()
    ).update(status=InvitationStatus.EXPIRED)


def invitation_url(invitation: Invitation) -> str:
    return reverse("accounts:invitation-accept", kwargs={"token": invitation.token})


def email_invitation(*, invitation_id: int) -> bool:
    """E-mail the invitation link (in the exchange's default language). False if no longer pending."""
    invitation = Invitation.objects.select_related("organisation").get(pk=invitation_id)
    if invitation.status != InvitationStatus.PENDING:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        send_mail(
            subject=str(
                _("You are invited to join %(organisation)s")
                % {"organisation": invitation.organisation}
            ),
            message=str(
                _("Open this link within %(days)s days to create your account: %(url)s")
                % {
                    "days": settings.INVITATION_VALID_DAYS,
                    "url": settings.SITE_URL + invitation_url(invitation),
                }
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[invitation.email],
        )
    return True
