"""What the ordering app announces to others (documents listens), so it never imports them.

order_status_changed(sender=Order, order, previous, actor): sent inside move_order's
transaction after the move is saved; a receiver's writes commit or roll back with it.
"""

from __future__ import annotations

from django.dispatch import Signal

order_status_changed = Signal()
