"""English texts. Keys and placeholders must match zh.py (a test checks)."""

TEXTS: dict[str, str] = {
    # Menu and greetings
    "menu.intro": "How can I help? Type your question, or tap a button:",
    "menu.points": "My points",
    "menu.tier": "Membership",
    "menu.redeem": "Redeem points",
    "menu.orders": "My orders",
    "menu.complaint": "Make a complaint",
    "menu.human": "Talk to a person",
    "menu.history": "Points history",
    "menu.show": "Show the menu",
    "greet.hello": "Hello{name}! I'm the shop's care assistant 😊 How can I help?",
    "greet.welcome": "Welcome{name}! I can check your points and orders, redeem rewards, answer product questions, "
    "or put you through to a person.",
    "smalltalk.thanks": "You're welcome! I'm here whenever you need me.",
    "smalltalk.goodbye": "Goodbye, have a lovely day! Message me any time.",
    "smalltalk.acknowledged": "😊 Anything else I can do for you?",
    "smalltalk.no_context": "All right. What else can I do for you?",
    "intent.greet": "Say hello",
    "intent.help": "See what I can do",
    "intent.points_history": "Points history",
    "intent.product_question": "Ask about a product",
    "intent.return_refund": "Returns and refunds",
    "intent.update_profile": "Update my details",
    "intent.unsubscribe": "Stop promotions",
    "intent.subscribe": "Get offers",
    "intent.feedback": "Give feedback",
    "intent.faq": "Store policies",
    # When I do not understand
    "fallback.did_you_mean": "Sorry, I'm not sure what you mean. Did you want to:",
    "fallback.not_understood": "Sorry, I didn't get that. Try other words, or tap a button:",
    "fallback.offer_human": "It looks like I can't help with this. Shall I put you through to a person?",
    "fallback.out_of_scope": "I can't help with that one 🙏 I can help with points, orders, products and after-sales:",
    "nlu.degraded": "Right now I can only understand simple requests (points, a person, complaints, stop promotions). "
    "Please tap a button:",
    "command.unknown": "I don't know that command. Here is what I can do:",
    "callback.stale": "That button has expired. Please choose again:",
    "error.sorry": "Sorry, something went wrong on our side. Please try again later, or send /human to reach a person.",
    "state.unavailable": (
        "(I can't keep track of our conversation right now: if my next answer doesn't follow on, please try "
        "again later, or send /human to reach a person.)"
    ),
    "error.refused": "Sorry, that can't be done right now. Please try again later or ask for a person.",
    # Messages that are not text
    "odd.sticker": "Nice sticker 😊 If you have a question, just type it.",
    "odd.photo": "Thanks for the photo. I can't read pictures yet, so please describe the problem in words; "
    'for after-sales say "I want to complain".',
    "odd.voice": "Sorry, I can't listen to voice messages yet. Please type your question.",
    "odd.document": "I got your file, but I can't open files. Please tell me in words what you need.",
    "odd.location": 'Thanks for the location. Ask me "where is your store" for our address and hours.',
    "odd.edited": "I can't act on edited messages. Please send a new message instead.",
    "odd.other": "I can't handle that kind of message. Please tell me in words what you need.",
    # Flows
    "flow.yes": "✅ Confirm",
    "flow.no": "❌ Cancel",
    "flow.cancel_button": "Cancel",
    "flow.cancelled": "Cancelled. What else can I do for you?",
    "flow.stuck": "Sorry, I'm not getting it. Tap a button below, or I can get a person for you, or cancel:",
    "flow.set_aside": "All right, I've left your {flow} (nothing was submitted).",
    "flow.name.complaint": "complaint",
    "flow.name.redeem": "redemption",
    "flow.name.profile": "profile change",
    "flow.name.return": "return request",
    "flow.name.feedback": "feedback",
    "flow.abuse": "I can tell you're upset, and I'm sorry. Shall I get a person for you? "
    "Or carry on where we were, or cancel.",
    # Points
    "points.balance": "Your points balance is {balance}.",
    "points.expiring": "Heads-up: {points} points start to expire on {date}, so use them soon.",
    "points.next": "Would you like to redeem points or see your history?",
    "points.history_title": "Your latest points:",
    "points.history_line": "{date}  {delta}  {reason} (balance {balance})",
    "points.history_empty": "You have no points yet. Every purchase earns points!",
    "ledger.order": "purchase",
    "ledger.order_reversal": "refund",
    "ledger.birthday": "birthday gift",
    "ledger.referral": "referral bonus",
    "ledger.adjustment": "adjustment",
    "ledger.redemption": "redemption",
    "ledger.expiry": "expired",
    "ledger.import": "import",
    # Membership
    "tier.current": "Your membership tier: {tier}, with {spend} yuan spent over the last 12 months. "
    "Benefits: {benefits}",
    "tier.about": "{tier}: reached with {spend} yuan spent over 12 months. Benefits: {benefits}",
    "tier.yours": "Your tier now: {tier} ({spend} yuan spent over the last 12 months).",
    "tier.next": "Spend {amount} yuan more to reach {tier}.",
    "tier.top": "You are already at our top tier. Thank you for your loyalty!",
    # Redeem
    "redeem.choose": "You have {balance} points. You can redeem:",
    "redeem.option": "{name} ({cost} pts)",
    "redeem.confirm": "Redeem {cost} points for {name}?",
    "redeem.confirm_again": 'Please reply "confirm" or "cancel".',
    "redeem.not_enough_for": "{name} needs {cost} points; you have {balance}, so {missing} more to go. "
    "Keep collecting!",
    "redeem.cost_enough": "{name} costs {cost} points and you have {balance}, so it is yours if you like: tap below or "
    'say "I\'ll take that one".',
    "redeem.cost_short": "{name} costs {cost} points; you have {balance}, so {missing} more to go.",
    "redeem.take_button": "🎁 Redeem this",
    "redeem.confirm_question": 'I am asking whether to spend {cost} points on {name}. Reply "confirm" to go ahead, '
    'or "cancel" to keep your points.',
    "redeem.pick_button": 'Please tap a reward to choose it, or send "cancel".',
    "redeem.done": "Done! Your code: {code} ({points} points used, {balance} left).",
    "redeem.not_enough": "You have {balance} points; the smallest reward needs {cheapest}. Keep collecting!",
    "redeem.not_enough_now": "Your balance no longer covers this reward; nothing was deducted.",
    "redeem.unavailable": "That reward can't be redeemed right now (it may be gone). Please choose again.",
    "redeem.no_rewards": "There are no rewards to redeem at the moment. Stay tuned!",
    # Complaints
    "complaint.ask_category": "I'm very sorry about this. What went wrong?",
    "complaint.category.quality": "Product quality",
    "complaint.category.delivery": "Delivery",
    "complaint.category.wrong_item": "Wrong or missing item",
    "complaint.category.service": "Service",
    "complaint.category.other": "Something else",
    "complaint.ask_description": "Please describe what happened:",
    "complaint.ask_order": "What is the order number (like SO-20261101-007)? "
    'Tap "No order number" if you don\'t have one.',
    "complaint.ask_order_again": "That doesn't look like an order number. Please type it (like SO-20261101-007), "
    'or tap "No order number".',
    "complaint.no_order": "No order number",
    "complaint.order_option": "{order} ({date}, {amount} yuan)",
    "complaint.got_order_ask_description": "Got it, order {order}. Now please tell me what went wrong:",
    "complaint.describe_once_more": "Sorry, I can't see it in what you've sent me so far. Please describe the "
    "problem in one message:",
    "complaint.confirm": "Please check your complaint:\nCategory: {category}\nDetails: {description}\nOrder: {order}\n"
    "Submit it?",
    "complaint.confirm_again": 'Please reply "confirm" to submit or "cancel" to drop it.',
    "complaint.created": "Your complaint is recorded as ticket #{ticket}. We will get back to you by {due}.",
    # Products
    "product.card": "{name}\nPrice: {price} yuan\nStock: {stock}\nColours: {colours}\nSizes/options: {sizes}\n"
    "Details: {specs}",
    "product.price": "{name} costs {price} yuan.",
    "product.stock_yes": "{name} is in stock ({count} left).",
    "product.stock_no": "{name} is out of stock right now.",
    "product.colours": "{name} comes in: {colours}",
    "product.sizes": "{name} comes in: {sizes}",
    "product.in_stock": "in stock ({count})",
    "product.sold_out": "out of stock",
    "product.none_listed": "none",
    "restock.offer": "Tap below and I'll message you as soon as it's back.",
    "restock.button": "🔔 Notify me when it's back",
    "restock.saved": "Done: I'll message you as soon as {name} is back in stock.",
    "restock.already": "You're already on the list for {name}; I'll message you as soon as it's back.",
    "restock.in_stock": "{name} is in stock now ({count} left), so you can order it right away.",
    "restock.which": 'Which product should I tell you about? Tell me its name, e.g. "notify me about the thermos cup".',
    "bot.identity": "I'm the shop's assistant, a program, not a person. Send /human any time to reach a person.",
    "points.expiry_title": "Your points that will expire:",
    "points.expiry_line": "{date}: {points} points",
    "points.expiry_none": "None of your points are due to expire.",
    "points.expiry_rule": "Points expire {months} months after they are earned; the oldest are used first.",
    "points.earning": "How to earn points:\n• {rate} point per yuan spent, times your tier's multiplier "
    "({tier}: {multiplier}x)\n• {birthday} points on your birthday (tell me your birthday)\n"
    "• {referral} points for you and a friend you invite, after their first order (/invite)",
    "catalogue.categories": "Here is what we sell. Pick a category:",
    "catalogue.products": "{category}: tap a product for details",
    "catalogue.item": "{name} · {price} yuan",
    "catalogue.item_sold_out": "{name} · {price} yuan (out of stock)",
    "catalogue.empty": "Our catalogue is empty at the moment. Please check back soon.",
    "catalogue.category.tea": "Tea",
    "catalogue.category.teaware": "Teaware",
    "catalogue.category.apparel": "Clothing",
    "catalogue.category.electronics": "Electronics",
    "catalogue.category.home": "Home",
    "catalogue.category.food": "Food and gifts",
    "product.price_sold_out": "{name} costs {price} yuan, but it's out of stock right now.",
    "product.colour_yes": "{name} comes in {colour}: {price} yuan, {stock}.",
    "product.colour_no": "{name} doesn't come in {colour}; it comes in: {colours}",
    "product.unknown": "Sorry, we don't carry that product. Try another name, or ask me what we sell.",
    "product.which": "Which one do you mean: {names}?",
    "product.also": "You might also mean: {names}",
    # Orders and returns
    "order.line": "Order {order} ({date}): {amount} yuan, {status}, delivery: {shipping}",
    "order.status.paid": "paid",
    "order.status.refunded": "refunded",
    "order.status.cancelled": "cancelled",
    "order.shipping_unknown": "no tracking yet",
    "order.recent": "Your latest orders:",
    "order.none": "I couldn't find any orders for you. If you ordered elsewhere, please send the order number.",
    "order.not_found": "I couldn't find order {order}. Please check the number.",
    "return.reason": "Return requested in chat",
    "return.started": "Your return request is ticket #{ticket}; our team will contact you soon.",
    "return.policy_short": "Our policy: returns within 7 days of delivery, faulty items exchanged within 15 days, "
    "electronics have a one-year warranty. Let's set up your request.",
    "return.ask_order": "Which order is it? Tap one of your orders, or type the order number:",
    "return.order_not_found": "I can't find that order among yours. Tap one below, type the number (like "
    'SO-20261101-007), or tap "I don\'t have the number":',
    "return.no_order": "I don't have the number",
    "return.inside_window_delivery": "This order was delivered on {date}, {since} days ago: within the {days}-day "
    "return window.",
    "return.inside_window_order": "This order was placed on {date}, {since} days ago: within the {days}-day return "
    "window.",
    "return.outside_window_delivery": "This order was delivered on {date}, {since} days ago, so it is past the "
    "{days}-day return window and can no longer be returned just because you changed your mind. Faulty items can "
    "still be exchanged within 15 days, and electronics have a one-year warranty; you can go on with the request, "
    "or tap below to talk to a person.",
    "return.outside_window_order": "This order was placed on {date}, more than {days} days ago ({since} days), so "
    "counted from the order date it is past the {days}-day return window (we have no delivery date for it; if it "
    "reached you less than {days} days ago, our team will check). Faulty items can still be exchanged within 15 "
    "days, and electronics have a one-year warranty; you can go on with the request, or tap below to talk to a "
    "person.",
    "return.ask_item": "Which item is it (name, and size or colour if any)?",
    "return.reason_noted": "Got it, the reason is noted ({reason}). Which item is it (name, and size or colour "
    "if any)?",
    "return.item_noted": "Got it, the item is noted. Which order is it? Tap one of your orders, or type the number:",
    "return.ask_reason": "What's the reason? Tap one, or type it in your own words:",
    "return.reason.size": "Wrong size or fit",
    "return.reason.faulty": "Faulty or damaged (warranty)",
    "return.reason.not_as_described": "Not as described",
    "return.reason.wrong_item": "Wrong item sent",
    "return.reason.changed_mind": "Changed my mind",
    "return.ask_photos": "Any photos (the item, the packaging, the shipping label)? Send them here and they go "
    'with your request; if you have none, reply "skip".',
    "return.photo_saved": 'Got photo {count}. Send more if you like, then reply "done".',
    "return.photos_enough": 'I have {count} photos, plenty for our team. Reply "done" to go on.',
    "return.photo_wanted": 'Sure, just send the photos here; reply "skip" if you have none.',
    "return.photos_skip": "Skip (no photos)",
    "return.photos_done": "Done sending photos",
    "return.photos_none": "none",
    "return.photos_count": "{count}",
    "return.confirm": "Please check your request:\nOrder: {order}\nItem: {item}\nReason: {reason}\nPhotos: {photos}\n"
    "Submit it?",
    "return.confirm_again": 'Please reply "confirm" to submit or "cancel" to drop it.',
    "return.ticket": "Return/warranty request. Item: {item}. Reason: {reason}. Photos: {photos}. {window}",
    "return.window_ok_delivery": "Delivered within the last {days} days.",
    "return.window_late_delivery": "Delivered more than {days} days ago: the customer was told it is past the "
    "return window (faulty items: exchange or warranty).",
    "return.window_ok": "Ordered within the last {days} days.",
    "return.window_check": "Ordered more than {days} days ago: check the delivery date against the {days}-day window.",
    "return.window_unknown": "No order number given: find the order and check the {days}-day window.",
    "several.noted": "You've asked about {count} things; I'll take them one by one.",
    "several.then_complaint": "Now the problem itself, so our team can sort it out:",
    "policy.summary": "Our policy: returns within 7 days of delivery, faulty items exchanged within 15 days, and "
    "electronics have a one-year warranty.",
    "faq.unknown": "I don't have an answer to that yet. A person can check it for you:",
    # People, feedback, consent, privacy
    "human.connecting": "Sure, I'm putting you through to a person. Everything you send now goes straight to our team. "
    'Send "cancel" to go back to the bot while you wait.',
    "human.vip": "As a valued member you're first in line: a person will be with you shortly. "
    'Send "cancel" to go back to the bot while you wait.',
    "human.left": "OK, you're back with the bot. What can I do for you?",
    "human.staff_says": "{name} (staff): {text}",
    "human.closed": "This chat with our team has ended. Thank you for your patience.",
    "human.ticket": "Our team can't chat live here right now, so I've passed your request on as ticket #{ticket}. "
    "A person will get back to you by {due}. Meanwhile I'm still here for anything else.",
    "feedback.ask": "Happy to hear it! Please write your feedback in one message:",
    "feedback.thanks": "Thank you for your feedback! We've noted it and will act on it.",
    "consent.unsubscribed": "Done: no more promotional messages (order and service messages still reach you).",
    "consent.already_unsubscribed": "You're already unsubscribed from promotions.",
    "consent.undo": "I want offers after all",
    "consent.subscribed": "Subscribed! You'll hear about offers first (a few a week at most, never at night).",
    "consent.already_subscribed": "You're already subscribed to offers.",
    "referral.link": "Invite your friends with this link: {link}\n"
    "When a friend places a first order, you both get {bonus} bonus points.",
    "referral.code": "Your invitation code is {code}: a friend sends /start {code} to this bot. "
    "When they place a first order, you both get {bonus} bonus points.",
    "start.referred": "Thanks for joining through a friend! After your first order you both get bonus points.",
    "start.referral_invalid": "That referral link is not valid or already used, but everything else works as usual.",
    "language.ask": "请选择语言 / Choose a language:",
    "language.zh": "中文",
    "language.en": "English",
    "language.saved": "All right, I'll reply in English from now on.",
    "profile.ask_field": "What would you like to update?",
    "profile.field.birthday": "Birthday",
    "profile.field.phone": "Phone",
    "profile.field.language": "Language",
    "profile.ask_birthday": "When is your birthday? For example 5 March 1990 or 1990-03-05:",
    "profile.ask_phone": "What is your phone number? Please include the country code, e.g. +86 138 0013 8000:",
    "profile.pick_button": 'Please tap what you\'d like to update, or send "cancel".',
    "profile.bad_birthday": "I couldn't read that date. Try e.g. 5 March 1990 or 1990-03-05:",
    "profile.bad_phone": "That doesn't look like a valid phone number. Please type it with the country code, "
    "e.g. +86 138 0013 8000 or +65 9123 4567:",
    "profile.saved_birthday": "Saved your birthday: {birthday}. Expect a little surprise on the day 🎂",
    "profile.saved_phone": "Your phone number is updated: {phone}.",
    "privacy.export": "Here is all the data we hold about you (a JSON file).",
    "privacy.erase_confirm": "Delete your personal data? This can't be undone: your points and membership end, and "
    "you'll get no more marketing messages.",
    "privacy.erase_yes": "Delete my data",
    "privacy.erased": "Your personal data has been deleted. Thank you for having been with us.",
    "rating.ask": "How would you rate this help (1-5 stars)?",
    "rating.star": "{score}⭐",
    "rating.thanks": "Thank you for rating us!",
    "ticket.status.in_progress": "Update on ticket #{ticket}: our team is working on it now.",
    "ticket.status.waiting_customer": "Ticket #{ticket}: our team is waiting for a reply from you and will contact "
    "you about it.",
    "ticket.reopened": "Ticket #{ticket} is open again: this message went to our team and we will follow up soon. "
    "If it is a new problem, tap the button below.",
    "ticket.new_problem": "It's a new problem",
    "ticket.status.resolved": "Ticket #{ticket} is resolved. If anything is still wrong, just tell us here.",
    "ticket.status.closed": "Ticket #{ticket} is closed. Thank you for your patience.",
    "staff.ticket_overdue": "⏰ Ticket #{ticket} [{category}] P{priority} is overdue (due {due}).",
    "staff.customer_blocked": "⚠️ The customer has blocked the bot: nothing sent here reaches them.",
    "staff.queue_empty": "Nobody is waiting.",
    "staff.queue_header": "Waiting for a person ({count}), VIP first:",
    "staff.queue_line": "{vip}#{handoff} {name} ({language}) · since {since}",
    "staff.claim_button": "Claim #{handoff} {name}",
    "staff.claimed": "{name} took chat #{handoff}.",
    "staff.claim_taken": "Someone else has this chat, or it is closed.",
    "staff.duty_on": "{name} is on duty: mentioned on every new escalation for the next 12 hours (/duty off to stop).",
    "staff.duty_off": "{name} is off duty.",
    "staff.duty_failed": "The duty roster is unavailable right now; try again in a minute.",
    "staff.on_duty": "On duty: {names}",
    # Staff group (the shop's default language)
    "staff.no_open_chat": "No open chat in this topic.",
    "staff.relay_failed": "Sorry, that could not be relayed to the customer.",
    "staff.closed": "Chat closed; the customer has been asked for a rating.",
    "staff.customer_left": "(the customer ended the chat and went back to the bot)",
    "staff.customer_erased": "Customer #{customer} erased their personal data: their chat topics are deleted.",
    "staff.handoff": "P{priority} · {name} (#{customer}, {language})\ntier {tier} · {points} pts · segment {segment}\n"
    "open tickets: {tickets} · last message: {message}",
    "staff.ticket_reopened": "🔁 Ticket #{ticket} [{category}] reopened by the customer (resolved {resolved}), "
    "assignee: {assignee}\n{name} (#{customer}): {message}",
    "staff.ticket_photo": "Ticket #{ticket}: photo {number} of {count}",
    "staff.ticket": "New ticket #{ticket} [{category}] P{priority}, reply due {due}\n"
    "{name} (#{customer}): {description}",
    "staff.not_relayed": "Not sent to the customer: only text is relayed, and commands other than /close are ignored.",
    "staff.not_registered": "Sorry, only registered staff can answer customers here: your messages and commands "
    "are not sent and change nothing. An admin can register you with: "
    "carebot staff add NAME --role agent --telegram-id {user_id}",
}
