"""Data requests from the public (需求征集, issue 16 §2): ask for data that is
not open yet, support others' requests, the agency's answer."""
