from django.urls import path

from tsunagu.ordering.views import history, inbox, order_form, proxy, shipping, shop

urlpatterns = [
    # Ordering: home, catalogue, cart, confirmation (views/shop.py)
    path("buyer/", shop.home, name="buyer-home"),
    path("buyer/s/<slug:supplier_code>/", shop.catalogue, name="buyer-catalogue"),
    path("buyer/s/<slug:supplier_code>/cart/", shop.cart, name="buyer-cart"),
    path("buyer/s/<slug:supplier_code>/cart/add/", shop.cart_add, name="buyer-cart-add"),
    path("buyer/s/<slug:supplier_code>/cart/update/", shop.cart_update, name="buyer-cart-update"),
    path("buyer/s/<slug:supplier_code>/quick/", shop.quick_order, name="buyer-quick-order"),
    path("buyer/s/<slug:supplier_code>/usual/", shop.usual_items, name="buyer-usual-items"),
    path("buyer/s/<slug:supplier_code>/send/", shop.send, name="buyer-send"),
    path(
        "buyer/s/<slug:supplier_code>/products/<uuid:product_id>/photo/",
        shop.buyer_product_photo,
        name="buyer-product-photo",
    ),
    path("buyer/cart-lines/<uuid:line_id>/", shop.cart_line, name="buyer-cart-line"),
    path("buyer/favourites/<uuid:product_id>/", shop.favourite, name="buyer-favourite"),
    path("buyer/orders/<uuid:order_id>/again/", shop.reorder, name="buyer-reorder"),
    path("buyer/orders/<uuid:order_id>/change/", shop.change, name="buyer-order-change"),
    # Order history and the order page (views/history.py)
    path("buyer/orders/", history.order_history, name="buyer-orders"),
    path("buyer/orders/<uuid:order_id>/", history.order_detail, name="buyer-order-detail"),
    path(
        "buyer/orders/<uuid:order_id>/messages/", history.order_message, name="buyer-order-message"
    ),
    path("buyer/orders/<uuid:order_id>/cancel/", history.order_cancel, name="buyer-order-cancel"),
    path(
        "buyer/orders/<uuid:order_id>/approve/", history.order_approve, name="buyer-order-approve"
    ),
    path(
        "buyer/orders/<uuid:order_id>/send-back/",
        history.order_send_back,
        name="buyer-order-send-back",
    ),
    # The supplier's own questions on the order form (views/order_form.py)
    path("supplier/order-form/", order_form.order_form_fields, name="order-form-fields"),
    # The supplier's inbox, order page and changes (views/inbox.py)
    path("supplier/orders/", inbox.inbox, name="supplier-inbox"),
    path("supplier/orders/calendar/", inbox.delivery_calendar, name="supplier-order-calendar"),
    path("supplier/orders/bulk/", inbox.bulk, name="supplier-orders-bulk"),
    path("supplier/orders/<uuid:order_id>/", inbox.order_page, name="supplier-order"),
    path("supplier/orders/<uuid:order_id>/move/", inbox.move, name="supplier-order-move"),
    path("supplier/orders/<uuid:order_id>/change/", inbox.change, name="supplier-order-change"),
    path("supplier/orders/<uuid:order_id>/messages/", inbox.message, name="supplier-order-message"),
    # Proxy entry (代理入力) and order sources (views/proxy.py)
    path("supplier/orders/new/", proxy.new_order, name="supplier-order-new"),
    path(
        "supplier/attachments/<uuid:attachment_id>/", proxy.attachment, name="supplier-attachment"
    ),
    # Shipping (views/shipping.py)
    path("supplier/shipping/", shipping.instructions, name="shipping-instructions"),
    path("supplier/orders/<uuid:order_id>/assign/", shipping.assign, name="shipping-assign"),
    path(
        "supplier/shipping/<uuid:instruction_id>/done/",
        shipping.mark_done,
        name="shipping-done",
    ),
    path("supplier/picking/", shipping.picking_list, name="picking-list"),
    path("supplier/picking/pdf/", shipping.picking_list_pdf, name="picking-list-pdf"),
]
