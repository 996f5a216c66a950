"""warroom.widgets"""
