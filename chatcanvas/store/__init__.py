"""What chatcanvas keeps: images with their metadata and lineage (and, later, subjects and conversations)."""

from chatcanvas.store.conversations import Conversation, ConversationStore
from chatcanvas.store.images import ImageMeta, ImageRecord, ImageStore, read_parameters
from chatcanvas.store.uploads import decode_image, edit_mask

__all__ = ["Conversation", "ConversationStore", "ImageMeta", "ImageRecord", "ImageStore", "decode_image", "edit_mask", "read_parameters"]
