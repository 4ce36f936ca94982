"""Accounts: sign-up, organisation members and invitations, passwords and API tokens."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from exchange import clock, lifecycle
from exchange.accounts.errors import InvitationNotUsable, OwnAccount
from exchange.accounts.models import (
    Invitation,
    InvitationStatus,
    Organisation,
    User,
    hash_invitation_token,
    new_invitation_token,
)
from exchange.accounts.permissions import can_invite
from exchange.accounts.roles import OrganisationKind, Role
from exchange.accounts.staff import STAFF_GROUPS, admin_group_for
from exchange.accounts.states import INVITATION_LIFECYCLE
from exchange.accounts.tasks import send_invitation
from exchange.errors import ConflictError, DuplicateError, PermissionDeniedError, RuleViolation
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
    try:
        organisation.full_clean(validate_constraints=False)
    except ValidationError as error:
        # The name is asked for as "organisation_name" (sign-up, the API): name it so.
        raise ValidationError(
            {
                ("organisation_name" if field == "name" else field): problems
                for field, problems in error.error_dict.items()
            }
        ) from error
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


def hashed_password(password: str, *, username: str, email: str, first_name: str = "") -> str:
    """Check ``password`` against the password rules and hash it.

    Hashing takes about a second on purpose (PBKDF2). Call it before a transaction opens: on
    SQLite a write transaction holds the database's one writer lock (BEGIN IMMEDIATE), so a hash
    inside it makes every other writer wait a second each, and eight sign-ups at once ran past
    the lock timeout ("database is locked").

    Raises:
        ValidationError ``{"password": …}`` for a password the rules refuse.
    """
    person = User(username=username.strip(), email=email.strip().lower(), first_name=first_name)
    try:
        validate_password(password, person)
    except ValidationError as error:
        raise ValidationError({"password": error.error_list}) from error
    return make_password(password)


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
    already-hashed password as Django stores it (``hashed_password``, imports, demo data). A
    caller inside a transaction passes the hash: the password is hashed before the transaction.

    Usernames and e-mail addresses are unique whatever their case (database constraints); the
    checks here give the friendly message.

    Raises:
        ValidationError for a weak password, an unknown role or a role the organisation cannot hold;
        DuplicateError ``username_taken`` / ``email_taken``.
    """
    if not password_hash:
        password_hash = hashed_password(
            password, username=username, email=email, first_name=first_name
        )
    return _save_user(
        User(
            organisation=organisation,
            username=username.strip(),
            email=email.strip().lower(),
            password=password_hash,
            role=role,
            first_name=first_name,
            last_name=last_name,
            language=language,
        )
    )


@transaction.atomic
def _save_user(user: User) -> User:
    role = user.role
    user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    group = admin_group_for(role)
    user.is_staff = group is not None  # operators and auditors use the Django admin
    _refuse_taken_login(user)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        _refuse_taken_login(user)  # a concurrent sign-up took it: say which
        raise DuplicateError(
            _("The username “%(username)s” is taken."),
            code="username_taken",
            field="username",
            params={"username": user.username},
        ) from error
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


def _refuse_taken_login(user: User) -> None:
    if User.objects.filter(username__iexact=user.username).exists():
        raise DuplicateError(
            _("The username “%(username)s” is taken."),
            code="username_taken",
            field="username",
            params={"username": user.username},
        )
    if user.email and User.objects.filter(email__iexact=user.email).exists():
        raise DuplicateError(
            _("An account with the e-mail address %(email)s already exists."),
            code="email_taken",
            field="email",
            params={"email": user.email},
        )


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
    buyers. Exchange staff and assessors are created by operators, never by sign-up. The
    password is hashed first, and the organisation and login are written in one short
    transaction.

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
    password_hash = hashed_password(
        password, username=username, email=email, first_name=full_name.strip()
    )
    with transaction.atomic():
        organisation = create_organisation(name=organisation_name, kind=kind, actor=None)
        return create_user(
            organisation=organisation,
            username=username,
            email=email,
            password_hash=password_hash,
            role=role,
            first_name=full_name.strip(),
        )


@transaction.atomic
def invite_member(*, organisation: Organisation, email: str, role: str, actor: User) -> Invitation:
    """Invite someone to join ``organisation`` with ``role``; the link is e-mailed after commit.

    Only the hash of the link's secret is stored; the secret itself travels to the e-mail task and
    is on the returned invitation as ``token`` (not a field), for the caller that needs the link.

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
    if User.objects.filter(email__iexact=email).exists():
        # One address, one person: the invitation could never be accepted.
        raise DuplicateError(
            _("An account with the e-mail address %(email)s already exists."),
            code="email_taken",
            field="email",
            params={"email": email},
        )
    token = new_invitation_token()
    invitation = Invitation(
        organisation=organisation,
        email=email,
        role=role,
        invited_by=actor,
        token_hash=hash_invitation_token(token),
        expires_at=clock.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    invitation.full_clean(validate_constraints=False)
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
    lifecycle.record_event(
        invitation, kind="invited", actor=actor, data={"email": email, "role": role}
    )
    enqueue_on_commit(send_invitation, invitation_id=invitation.pk, token=token)
    invitation.token = token
    return invitation


def _usable_invitation(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("organisation")
        .filter(token_hash=hash_invitation_token(token))
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


def accept_invitation(
    *,
    token: str,
    username: str,
    password: str,
    full_name: str = "",
    language: str = settings.LANGUAGE_CODE,
) -> User:
    """Redeem an invitation: create the login, in the organisation and role it names.

    The password is hashed before the transaction that redeems the invitation (see
    ``hashed_password``); the invitation is checked again, locked, inside it.

    Raises:
        InvitationNotUsable ``invitation_not_usable`` or ``invitation_expired``; DuplicateError;
        ValidationError (password).
    """
    email = invitation_for_token(token).email
    password_hash = hashed_password(
        password, username=username, email=email, first_name=full_name.strip()
    )
    with transaction.atomic():
        invitation = _usable_invitation(token)
        user = create_user(
            organisation=invitation.organisation,
            username=username,
            email=invitation.email,
            password_hash=password_hash,
            role=invitation.role,
            first_name=full_name.strip(),
            language=language,
        )
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_by", "updated_at"])
        lifecycle.take(invitation, INVITATION_LIFECYCLE["accept"], actor=user)
        return user


@transaction.atomic
def revoke_invitation(*, invitation: Invitation, actor: User) -> Invitation:
    """Withdraw a pending invitation: its link stops working.

    Raises:
        PermissionDeniedError (an admin who may invite with its role); InvalidTransition (409)
        when it is no longer pending.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    lifecycle.take(invitation, INVITATION_LIFECYCLE["revoke"], actor=actor)
    return invitation


@transaction.atomic
def expire_invitations() -> int:
    """Mark pending invitations past their time as expired (Celery beat, hourly), each with its
    event. Runs again harmlessly: an expired invitation is not pending any more."""
    due = list(
        Invitation.objects.select_for_update()
        .filter(status=InvitationStatus.PENDING, expires_at__lte=clock.now())
        .order_by("pk")
    )
    for invitation in due:
        lifecycle.take(invitation, INVITATION_LIFECYCLE["expire"], actor=None)
    return len(due)


def invitation_url(token: str) -> str:
    """The link (path) that opens an invitation, from its secret."""
    return reverse("accounts:invitation-accept", kwargs={"token": token})


def email_invitation(*, invitation_id: int, token: str) -> bool:
    """E-mail the invitation link (in the exchange's default language). False if no longer pending
    or ``token`` is not this invitation's secret."""
    invitation = Invitation.objects.select_related("organisation").get(pk=invitation_id)
    if (
        invitation.status != InvitationStatus.PENDING
        or invitation.token_hash != hash_invitation_token(token)
    ):
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
                    "url": settings.SITE_URL + invitation_url(token),
                }
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[invitation.email],
        )
    return True


# --- managing members: role changes and deactivation (organisation admins, operators) ---------


def can_manage_member(actor: User, member: User, *, role: str | None = None) -> bool:
    """Who may deactivate or reactivate ``member``, or (with ``role``) give them that role.

    Superusers manage everyone. Nobody manages themselves, and only a superuser touches a
    superuser. Otherwise the invitation rule decides: you manage a person you could have invited
    with their role, and grant a role you could invite with (``can_invite``). Operators may also
    deactivate anyone else, so that a misused login can be stopped at once.
    """
    if actor.pk == member.pk or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if member.is_superuser or member.organisation is None:
        return False
    could_invite = can_invite(actor, member.organisation, member.role) if member.role else False
    if role is None:
        return could_invite or actor.has_role(Role.OPERATOR)
    return could_invite and can_invite(actor, member.organisation, role)


def _lock_member(member: User, actor: User, *, role: str | None = None) -> User:
    member = (
        User.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=member.pk)
    )
    if actor.pk == member.pk:
        raise OwnAccount()
    if role is not None and (
        role not in Role.values
        or member.organisation is None
        or not member.organisation.allows_role(role)
    ):
        raise RuleViolation(
            _("This organisation cannot have members with that role."),
            code="role_not_allowed",
            field="role",
        )
    if not can_manage_member(actor, member, role=role):
        raise PermissionDeniedError()
    return member


@transaction.atomic
def change_member_role(*, member: User, role: str, actor: User) -> User:
    """Give ``member`` another role in their organisation, within the rules of who may grant it.

    The role's admin access (the operators' or auditors' group) follows it, and the member's API
    tokens are revoked, so that a demoted person keeps nothing of the old role.

    Raises:
        OwnAccount ``own_account``; RuleViolation ``role_not_allowed``; PermissionDeniedError.
    """
    member = _lock_member(member, actor, role=role)
    if member.role == role:
        return member
    member.role = role
    member.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    group = admin_group_for(role)
    member.is_staff = group is not None or member.is_superuser
    member.save(update_fields=["role", "is_staff"])
    member.groups.remove(*Group.objects.filter(name__in=staff_group_names()))
    if group:
        member.groups.add(Group.objects.get_or_create(name=group)[0])
    revoke_api_tokens(user=member)
    return member


@transaction.atomic
def deactivate_member(*, member: User, actor: User) -> User:
    """Stop a person's login: no sign-in, no API token. Their name stays on what they did.

    Raises:
        OwnAccount ``own_account``; PermissionDeniedError; ConflictError ``already_inactive``.
    """
    member = _lock_member(member, actor)
    if not member.is_active:
        raise ConflictError(
            _("%(user)s is already deactivated."),
            code="already_inactive",
            field="is_active",
            params={"user": member.username},
        )
    member.is_active = False
    member.save(update_fields=["is_active"])
    revoke_api_tokens(user=member)
    return member


@transaction.atomic
def reactivate_member(*, member: User, actor: User) -> User:
    """Let a deactivated person sign in again (with a new token when they ask for one).

    Raises:
        OwnAccount ``own_account``; PermissionDeniedError; ConflictError ``already_active``.
    """
    member = _lock_member(member, actor)
    if member.is_active:
        raise ConflictError(
            _("%(user)s is already active."),
            code="already_active",
            field="is_active",
            params={"user": member.username},
        )
    member.is_active = True
    member.save(update_fields=["is_active"])
    return member


def staff_group_names() -> list[str]:
    return list(STAFF_GROUPS.values())


# --- passwords and API tokens ------------------------------------------------------------------


def token_expires_at(token) -> datetime:
    return token.created + timedelta(days=settings.API_TOKEN_VALID_DAYS)


def token_is_expired(token) -> bool:
    # Wall-clock time, not the business clock: stepping the simulation does not end sessions.
    return token_expires_at(token) <= timezone.now()


@transaction.atomic
def issue_api_token(*, user: User):
    """The user's API token: the current one, or a new one when there is none or it expired."""
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and token_is_expired(token):
        token.delete()
        token = None
    if token is None:
        token = Token.objects.create(user=user)
    return token


@transaction.atomic
def revoke_api_tokens(*, user: User) -> int:
    """Delete the user's API tokens; returns how many there were.

    Called when the password changes (a reset, a change, an admin setting it), the role changes or
    the login is deactivated, and when the user revokes the token themselves. Sessions signed in
    with an old password end by themselves (Django checks the password's hash in each session);
    a token would outlive the change without this.
    """
    from rest_framework.authtoken.models import Token

    deleted, _counts = Token.objects.filter(user=user).delete()
    return deleted
