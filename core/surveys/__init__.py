"""The satisfaction survey (IKM) of every service: links, answers, figures, periods."""
