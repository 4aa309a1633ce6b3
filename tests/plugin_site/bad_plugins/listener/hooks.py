from bad_plugins.listener import HEARD
from pamong.plugin import hookimpl


@hookimpl(optionalhook=True)
def pamong_on_announced(word):
    HEARD.append(word)
