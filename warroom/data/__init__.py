"""warroom.data"""
