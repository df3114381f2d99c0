"""What chatcanvas keeps: images with metadata and lineage, personalized subjects, the conversation index."""

from chatcanvas.store.conversations import Conversation, ConversationStore
from chatcanvas.store.images import ImageMeta, ImageRecord, ImageStore, read_parameters
from chatcanvas.store.subjects import Subject, SubjectStore
from chatcanvas.store.uploads import decode_image, edit_mask

__all__ = [
    "Conversation",
    "ConversationStore",
    "ImageMeta",
    "ImageRecord",
    "ImageStore",
    "Subject",
    "SubjectStore",
    "decode_image",
    "edit_mask",
    "read_parameters",
]
