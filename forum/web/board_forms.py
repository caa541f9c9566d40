"""Forms of the bulletin board. They parse and carry the CSRF token; the posting service decides
what is valid (so every message comes from one place)."""
from __future__ import annotations

from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from forum.i18n import _l
from forum.models.board import TOPIC_STARTERS
from forum.services.posting import BODY_MAX
from forum.web.bodies import ForumForm

BODY_HELP = (_l("Markdown works: **bold**, *italic*, lists, `code`, links. Up to %(BODY_MAX)s characters. Mention someone with @username.", BODY_MAX=format(BODY_MAX, ',')))


class PostForm(ForumForm):
    body = TextAreaField(_l("Your post"), description=BODY_HELP)
    reply_to_id = HiddenField()
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Post reply"))


class TopicForm(ForumForm):
    board = SelectField(_l("Board"), choices=[], validate_choice=False)
    title = StringField(_l("Title"), validators=[Optional()])
    body = TextAreaField(_l("Your post"), description=BODY_HELP)
    announcement = BooleanField(_l("Pin it as an announcement"))
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Start topic"))


class EditPostForm(ForumForm):
    title = StringField(_l("Topic title"), validators=[Optional()])
    body = TextAreaField(_l("Your post"), description=BODY_HELP)
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save changes"))


class PreviewForm(ForumForm):
    body = TextAreaField(_l("Text to preview"), description=BODY_HELP)


class BoardForm(ForumForm):
    name = StringField(_l("Name"))
    slug = StringField(_l("Address"), description=_l("Lowercase letters, digits and hyphens, as in /boards/general. "
                                              "Left empty, it is made from the name."))
    description = TextAreaField(_l("Description"))
    position = StringField(_l("Position"), default="0", description=_l("Lower numbers are listed first."))
    topic_starters = SelectField(_l("Who may start topics"), choices=list(TOPIC_STARTERS.items()), default="everyone",
                                 validate_choice=False,
                                 description=_l("Everyone can reply either way; “staff only” suits announcements."))
