"""Live reports by SMS (issue 15): one intake core for every gateway (Gammu modem, SMSsync phone).

`receive_sms(InboundSms)` files one message and says what reply to send; the
gateways (kondusif.sms.gammu, the SMSsync route in kondusif.web) only move
messages and replies between their transport and this core.
"""

from kondusif.sms.inbound import CHANNELS, InboundSms, SmsOutcome, SmsRefused, receive_sms

__all__ = ["CHANNELS", "InboundSms", "SmsOutcome", "SmsRefused", "receive_sms"]
