"""Forms of the bulletin board. They parse and carry the CSRF token; the posting service decides
what is valid (so every message comes from one place)."""
from __future__ import annotations

from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from forum.services.posting import BODY_MAX
from forum.web.bodies import ForumForm

BODY_HELP = (f"Markdown works: **bold**, *italic*, lists, `code`, links. Up to {BODY_MAX:,} characters. "
             "Mention someone with @username.")


class PostForm(ForumForm):
    body = TextAreaField("Your post", description=BODY_HELP)
    reply_to_id = HiddenField()
    preview = SubmitField("Preview")
    submit = SubmitField("Post reply")


class TopicForm(ForumForm):
    board = SelectField("Board", choices=[], validate_choice=False)
    title = StringField("Title", validators=[Optional()])
    body = TextAreaField("Your post", description=BODY_HELP)
    announcement = BooleanField("Pin it as an announcement")
    preview = SubmitField("Preview")
    submit = SubmitField("Start topic")


class EditPostForm(ForumForm):
    title = StringField("Topic title", validators=[Optional()])
    body = TextAreaField("Your post", description=BODY_HELP)
    preview = SubmitField("Preview")
    submit = SubmitField("Save changes")


class PreviewForm(ForumForm):
    body = TextAreaField("Text to preview", description=BODY_HELP)


class BoardForm(ForumForm):
    name = StringField("Name")
    slug = StringField("Address", description="Lowercase letters, digits and hyphens, as in /boards/general. "
                                              "Left empty, it is made from the name.")
    description = TextAreaField("Description")
    position = StringField("Position", default="0", description="Lower numbers are listed first.")
