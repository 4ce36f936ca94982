"""Invitation links' secrets are kept only as their SHA-256; logins and e-mail addresses are
unique whatever their case; names hold visible characters only."""

import hashlib

import django.db.models.functions.text
from django.db import migrations, models

import exchange.validators


def hash_existing_tokens(apps, schema_editor):
    """Links already e-mailed keep working: each stored secret becomes its hash."""
    Invitation = apps.get_model("accounts", "Invitation")
    for invitation in Invitation.objects.only("pk", "token_hash").iterator():
        digest = hashlib.sha256(invitation.token_hash.encode()).hexdigest()
        Invitation.objects.filter(pk=invitation.pk).update(token_hash=digest)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_senior_reviewer"),
    ]

    operations = [
        migrations.RenameField("invitation", "token", "token_hash"),
        # A hash cannot be turned back into the secret: going back leaves the hashes in place
        # (and the links e-mailed before stop working).
        migrations.RunPython(hash_existing_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="invitation",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="name",
            field=models.CharField(
                max_length=200, validators=[exchange.validators.NameValidator()], verbose_name="name"
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="first_name",
            field=models.CharField(
                blank=True,
                max_length=150,
                validators=[exchange.validators.NameValidator()],
                verbose_name="first name",
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="last_name",
            field=models.CharField(
                blank=True,
                max_length=150,
                validators=[exchange.validators.NameValidator()],
                verbose_name="last name",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("username"),
                name="accounts_user_username_ci_unique",
                violation_error_code="username_taken",
                violation_error_message="A user with that username already exists.",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                condition=models.Q(("email", ""), _negated=True),
                name="accounts_user_email_ci_unique",
                violation_error_code="email_taken",
                violation_error_message="An account with this e-mail address already exists.",
            ),
        ),
    ]
